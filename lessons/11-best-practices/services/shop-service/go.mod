module playground/11-best-practices/shop-service

go 1.25

require github.com/sony/gobreaker/v2 v2.4.0
