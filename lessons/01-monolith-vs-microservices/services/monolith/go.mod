module playground/monolith-vs-microservices/monolith

go 1.25
