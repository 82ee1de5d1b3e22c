// user-service: owns the users. Other services ask it over HTTP: GET /users/{id}.
package main

import (
	"cmp"
	"context"
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

type User struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

var users = map[int]User{
	1: {ID: 1, Name: "张三", Email: "zhangsan@example.com"},
	2: {ID: 2, Name: "李四", Email: "lisi@example.com"},
	3: {ID: 3, Name: "王五", Email: "wangwu@example.com"},
}

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8081")

	mux := http.NewServeMux()
	// {id} is a path wildcard (Go 1.22+); the handler reads it with r.PathValue("id").
	mux.HandleFunc("GET /users/{id}", getUser)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": "user-service"})
	})
	mux.HandleFunc("GET /slow", handleSlow)

	serve(port, "user-service", mux)
}

func getUser(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "user id must be a number"})
		return
	}

	// ?delay=2s makes this answer slow on purpose, so you can watch a caller's timeout fire.
	if d := r.URL.Query().Get("delay"); d != "" {
		delay, err := time.ParseDuration(d)
		if err != nil || delay < 0 || delay > 10*time.Second {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "delay must be a duration up to 10s, e.g. 2s"})
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			// The caller gave up (its timeout fired and it closed the connection): stop working for it.
			log.Printf("GET /users/%d: caller went away after waiting: %v", id, r.Context().Err())
			return
		}
	}

	user, ok := users[id]
	if !ok {
		// A JSON error body, not just a bare status: callers can show the reason.
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("user %d not found", id)})
		return
	}
	writeJSON(w, http.StatusOK, user)
}

// handleSlow answers GET /slow?ms=1500 after ms milliseconds (at most 10000). Send one and press Stop on this
// service while it waits: a graceful shutdown lets it finish before the process exits.
func handleSlow(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("ms"), "1500"))
	if err != nil || ms < 0 || ms > 10000 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ms must be a whole number from 0 to 10000"})
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		writeJSON(w, http.StatusOK, map[string]any{"service": "user-service", "slept_ms": ms})
	case <-r.Context().Done():
		// The caller hung up first. (Shutdown does not cancel this context: it waits for the handler instead.)
		log.Printf("GET /slow: the caller went away after waiting: %v", r.Context().Err())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}

// serve runs the HTTP server until SIGTERM or Ctrl+C, then lets requests in flight finish.
func serve(port, name string, h http.Handler) {
	srv := &http.Server{Addr: ":" + port, Handler: logRequests(h), ReadHeaderTimeout: 5 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that serve is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("%s listening on :%s", name, port)

	select {
	case err := <-errc:
		log.Fatal(err) // e.g. the port is taken: nothing was served, so there is nothing to shut down
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// Shutdown closes the listener and waits (at most 5 s) for the requests in flight; serve returns only after it.
	// (ListenAndServe returns as soon as Shutdown begins: returning then would end the process mid-request.)
	log.Print("stop signal: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v; the requests still running are cut off", err)
	}
	log.Printf("%s stopped", name)
}

// statusRecorder remembers the status a handler wrote (0: it wrote nothing).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := "no answer"
		if rec.status != 0 {
			status = strconv.Itoa(rec.status)
		}
		log.Printf("%s %s -> %s (%s)", r.Method, r.URL.RequestURI(), status, time.Since(start).Round(time.Microsecond))
	})
}
