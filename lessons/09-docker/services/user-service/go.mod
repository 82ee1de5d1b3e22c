module playground/docker/user-service

go 1.25
