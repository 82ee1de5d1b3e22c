module playground/http-communication/order-service

go 1.25
