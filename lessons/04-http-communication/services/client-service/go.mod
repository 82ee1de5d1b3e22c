module playground/http-communication/client-service

go 1.25
