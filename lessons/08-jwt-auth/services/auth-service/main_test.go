package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The whole flow in one test, with a real HTTP server on a random local port: log in, then use
// the token. Run it with: go test ./...
func TestLoginThenProtected(t *testing.T) {
	tk := &tokens{secret: []byte("test-secret-of-at-least-32-bytes!!")}
	srv := httptest.NewServer(newHandler(tk))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/login", "application/json",
		strings.NewReader(`{"username":"alice","password":"password123"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: status %d, err %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	expired, _ := tk.issue("alice", "admin", time.Now().Add(-time.Hour))
	for _, tc := range []struct {
		name  string
		token string
		want  int
	}{
		{"fresh token", body.Token, http.StatusOK},
		{"tampered signature", body.Token[:len(body.Token)-2] + "xx", http.StatusUnauthorized},
		{"expired token", expired, http.StatusUnauthorized},
		{"no token", "", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/protected", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}
