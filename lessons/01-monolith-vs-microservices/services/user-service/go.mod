module playground/monolith-vs-microservices/user-service

go 1.25
