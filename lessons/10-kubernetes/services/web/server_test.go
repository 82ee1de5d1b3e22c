package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, method, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code, rec.Body.String()
}

func TestReadinessWarmsUpAndCanBeSwitched(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newServer("web-1", "", 2*time.Second, func() time.Time { return now })
	h := s.routes()
	if code, _ := get(t, h, "GET", "/readyz"); code != 503 {
		t.Fatalf("during warm-up: got %d, want 503", code)
	}
	now = now.Add(3 * time.Second)
	if code, _ := get(t, h, "GET", "/readyz"); code != 200 {
		t.Fatalf("after warm-up: got %d, want 200", code)
	}
	get(t, h, "POST", "/admin/ready?ready=false")
	if code, _ := get(t, h, "GET", "/readyz"); code != 503 {
		t.Fatalf("switched off: got %d, want 503", code)
	}
	if code, _ := get(t, h, "GET", "/healthz"); code != 200 {
		t.Fatalf("not ready must still be alive: got %d", code)
	}
}

func TestBreakFailsLiveness(t *testing.T) {
	h := newServer("web-1", "", 0, time.Now).routes()
	get(t, h, "POST", "/admin/break")
	if code, _ := get(t, h, "GET", "/healthz"); code != 500 {
		t.Fatalf("got %d, want 500", code)
	}
}

func TestConfigMasksTheSecret(t *testing.T) {
	h := newServer("web-1", "s3cr3t-playground-key", 0, time.Now).routes()
	_, body := get(t, h, "GET", "/debug/config")
	if strings.Contains(body, "s3cr3t") || !strings.Contains(body, `s3****`) {
		t.Fatalf("body %s", body)
	}
}
