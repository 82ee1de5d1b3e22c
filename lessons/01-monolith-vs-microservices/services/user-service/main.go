// user-service: the "users" part of the monolith, cut out into its own program.
//
// It owns one business capability (users) and its own data, runs in its own process (here: its own
// container), and can be rebuilt, redeployed, scaled or even rewritten in another language without
// touching anything else — as long as its HTTP API stays the same.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Only users live here. Orders and payments are someone else's data, reached (later) through their APIs.
var users = []User{{ID: 1, Name: "张三"}, {ID: 2, Name: "李四"}}

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8081")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users", handleUsers)
	mux.HandleFunc("GET /health", handleHealth)
	mux.HandleFunc("GET /slow", handleSlow)
	// No /orders and no /payments: asking this service for them is a 404. Single responsibility.

	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           logRequests(mux),
		ReadHeaderTimeout: 5 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that main is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("user-service listening on :%s", port)

	select {
	case err := <-errc:
		log.Fatal(err) // e.g. the port is taken: nothing was served, so there is nothing to shut down
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// Shutdown closes the listener, then waits (at most 5 s) for the requests in flight. main must wait for it:
	// ListenAndServe already returned when Shutdown began, and when main returns the process ends, cutting off
	// whatever is still running.
	log.Print("stop signal: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v; the requests still running are cut off", err)
	}
	log.Print("user-service stopped")
}

// Try it: change this message and press Run. Nothing in the monolith had to change: in production
// you would ship only this service — that is what "independent deployment" buys you.
func handleUsers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"service": "user-service",
		"message": "用户微服务：独立的进程，独立的数据，独立部署",
		"users":   users,
	})
}

func handleHealth(w http.ResponseWriter, r *http.Request) {
	// A health endpoint lets the platform (the playground, Docker, Kubernetes) decide whether
	// this instance should receive traffic. It is one of the first things every microservice gets.
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": "user-service"})
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

// statusRecorder remembers the status a handler wrote, so the log line can show it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
	})
}
