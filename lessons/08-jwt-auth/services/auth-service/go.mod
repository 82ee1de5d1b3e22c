module playground/jwt-auth/auth-service

go 1.25

require github.com/golang-jwt/jwt/v5 v5.3.1
