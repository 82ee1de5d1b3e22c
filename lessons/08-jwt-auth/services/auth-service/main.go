// auth-service: logs users in with a password and hands out JWTs; GET /protected accepts only
// requests that carry a valid token.
//
//	POST /login      {"username":"alice","password":"password123"} -> {"token":"..."}
//	GET  /protected  Authorization: Bearer <token>
package main

import (
	"cmp"
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Passwords are never stored, only a salted, slow hash of them (PBKDF2-HMAC-SHA256, from the standard
// library). A real service would keep these in its database.
const pbkdf2Iterations = 600_000

type account struct {
	role string
	salt []byte
	hash []byte
}

var accounts = map[string]account{
	// password: password123
	"alice": {role: "admin", salt: mustHex("01bd856cefae6b5352592f3ff28b8325"), hash: mustHex("6a77448904ad6054527a076713eb83f2cda5b98e675cf197cdb8aa5ed8e86927")},
	// password: gopher123
	"bob": {role: "user", salt: mustHex("1d3a0fe38c3aeb83ec4cac2224b11760"), hash: mustHex("a5066ed611d585ff39a6b3b09a72d9f7bda3a8a7cbf5d2d375aeecf005f56165")},
}

// noSuchUser is checked when the name is unknown, so that a wrong name takes as long as a wrong
// password and response times do not reveal which user names exist.
var noSuchUser = account{salt: mustHex("781e1677f68464ecf9483c9fbece663e"), hash: mustHex("873cb27270a11646b3a36662d818d48431c2e2b4644ae84d17c7cd4bd809cb42")}

func checkPassword(username, password string) (role string, ok bool) {
	acc, found := accounts[username]
	if !found {
		acc = noSuchUser
	}
	got, err := pbkdf2.Key(sha256.New, password, acc.salt, pbkdf2Iterations, len(acc.hash))
	if err != nil {
		return "", false
	}
	// Constant-time comparison: how long it takes does not depend on how many bytes match.
	match := subtle.ConstantTimeCompare(got, acc.hash) == 1
	return acc.role, found && match
}

func main() {
	// The signing secret comes from the environment, never from the source code.
	secret := os.Getenv("JWT_SECRET")
	if secret == "" {
		log.Fatal("JWT_SECRET is not set: refusing to start without a signing secret")
	}
	if len(secret) < 32 {
		log.Printf("warning: JWT_SECRET is only %d bytes; use at least 32 random bytes for HS256", len(secret))
	}
	port := cmp.Or(os.Getenv("PORT"), "8080")

	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           logRequests(newHandler(&tokens{secret: []byte(secret)})),
		ReadHeaderTimeout: 5 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that main is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("auth-service listening on :%s", port)

	select {
	case err := <-errc:
		log.Fatal(err) // e.g. the port is taken: nothing was served, so there is nothing to shut down
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// Shutdown closes the listener and waits (at most 5 s) for the requests in flight; main returns only after it.
	// (ListenAndServe returns as soon as Shutdown begins: returning then would end the process mid-request.)
	log.Print("stop signal: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v; the requests still running are cut off", err)
	}
	log.Print("auth-service stopped")
}

func newHandler(t *tokens) http.Handler {
	mux := http.NewServeMux()
	// "POST /login": any other method gets 405 Method Not Allowed from the mux itself.
	mux.HandleFunc("POST /login", t.login)
	mux.Handle("GET /protected", t.requireAuth(http.HandlerFunc(protected)))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": "auth-service"})
	})
	mux.HandleFunc("GET /slow", handleSlow)
	return mux
}

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (t *tokens) login(w http.ResponseWriter, r *http.Request) {
	var creds credentials
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&creds); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": `body must be JSON like {"username":"alice","password":"..."}: ` + err.Error(),
		})
		return
	}
	if creds.Username == "" || creds.Password == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "username and password are required"})
		return
	}

	role, ok := checkPassword(creds.Username, creds.Password)
	if !ok {
		log.Printf("login refused for %q", creds.Username)
		// The same answer for an unknown user and a wrong password: do not help anyone guess names.
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid username or password"})
		return
	}

	token, err := t.issue(creds.Username, role, time.Now())
	if err != nil {
		log.Printf("sign token: %v", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not create a token"})
		return
	}
	log.Printf("login ok for %q (role %s)", creds.Username, role)
	writeJSON(w, http.StatusOK, map[string]any{
		"token":     token,
		"tokenType": "Bearer",
		"expiresIn": int(tokenTTL.Seconds()),
	})
}

// protected runs only after requireAuth has verified the token; the claims tell us who is calling.
func protected(w http.ResponseWriter, r *http.Request) {
	c := claimsFrom(r.Context())
	answer := map[string]any{
		"message": fmt.Sprintf("你好 %s，你已通过认证", c.Subject),
		"user":    c.Subject,
		"role":    c.Role,
	}
	// ExpiresAt is a pointer: nil when the token has no "exp" (only possible without WithExpirationRequired).
	if c.ExpiresAt != nil {
		answer["expiresAt"] = c.ExpiresAt.Time
	}
	writeJSON(w, http.StatusOK, answer)
}

// handleSlow answers GET /slow?ms=1500 after ms milliseconds (at most 10000). Send one and press Restart on this
// service while it waits: a graceful shutdown lets it finish before the old process exits.
func handleSlow(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("ms"), "1500"))
	if err != nil || ms < 0 || ms > 10000 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ms must be a whole number from 0 to 10000"})
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		writeJSON(w, http.StatusOK, map[string]any{"service": "auth-service", "slept_ms": ms})
	case <-r.Context().Done():
		// The caller hung up first. (Shutdown does not cancel this context: it waits for the handler instead.)
		log.Printf("GET /slow: the caller went away after waiting: %v", r.Context().Err())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep "<token>" readable instead of "\u003ctoken\u003e"
	if err := enc.Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs method, path, status and time — but never the Authorization header or the body:
// tokens and passwords do not belong in logs.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
	})
}
