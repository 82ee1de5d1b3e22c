module playground/http-communication/user-service

go 1.25
