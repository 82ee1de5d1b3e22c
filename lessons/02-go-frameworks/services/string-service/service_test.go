package main

import (
	"errors"
	"testing"
)

// The service layer is tested without a server, JSON or go-kit: that is the payoff of layering.
func TestStringService(t *testing.T) {
	var svc StringService = stringService{}

	if got, err := svc.Uppercase("hello, go-kit"); err != nil || got != "HELLO, GO-KIT" {
		t.Errorf(`Uppercase("hello, go-kit") = %q, %v`, got, err)
	}
	if _, err := svc.Uppercase(""); !errors.Is(err, ErrEmpty) {
		t.Errorf(`Uppercase("") error = %v, want ErrEmpty`, err)
	}
	if got := svc.Count("你好, Go"); got != 6 {
		t.Errorf(`Count("你好, Go") = %d, want 6`, got)
	}
}
