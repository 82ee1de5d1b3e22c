module playground/11-best-practices/inventory-service

go 1.25
