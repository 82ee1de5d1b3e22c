module playground/go-frameworks/string-service

go 1.25

require github.com/go-kit/kit v0.13.0

require (
	github.com/go-kit/log v0.2.0 // indirect
	github.com/go-logfmt/logfmt v0.5.1 // indirect
)
