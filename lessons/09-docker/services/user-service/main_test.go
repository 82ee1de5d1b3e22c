package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	h := newHandler()
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/health", 200, "ok"},
		{"/users", 200, `"name":"Bob"`},
		{"/users/1", 200, `"name":"Alice"`},
		{"/users/9", 404, "user 9 not found"},
		{"/info", 200, `"goVersion":"go`},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, rec.Code, rec.Body.String(), tc.status, tc.body)
		}
	}
}
