package main

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// The service layer: pure business logic. It knows nothing about HTTP, JSON or go-kit, which is
// why it can be tested with plain function calls (see service_test.go) and reused over any transport.

// ErrEmpty is returned when the input string is empty. The transport layer maps it to a 4xx status.
var ErrEmpty = errors.New("empty string")

// StringService is what this microservice offers, described as a Go interface.
type StringService interface {
	Uppercase(s string) (string, error)
	Count(s string) int
}

type stringService struct{}

func (stringService) Uppercase(s string) (string, error) {
	if s == "" {
		return "", ErrEmpty
	}
	return strings.ToUpper(s), nil
}

// Count counts characters (runes), not bytes: "你好" is 2, although it takes 6 bytes in UTF-8.
func (stringService) Count(s string) int {
	return utf8.RuneCountInString(s)
}
