// client-service: calls user-service and order-service over HTTP, the way one microservice calls another.
//
// GET /demo runs a small checkout: fetch the user, then create an order for them, and answers with a
// summary of every call it made. Query parameters let you steer it into each kind of failure.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

const (
	// callTimeout caps each call to another service. Without a timeout, a stuck service would hold
	// our goroutine and connection forever (http.DefaultClient has none). Try changing it.
	callTimeout = 1 * time.Second
	// demoTimeout caps the whole /demo operation, all calls included.
	demoTimeout = 3 * time.Second
)

type app struct {
	users  *ServiceClient
	orders *ServiceClient
}

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8080")
	// On the playground's network each service is reachable by its name; by hand, point these at localhost.
	userURL := cmp.Or(os.Getenv("USER_SERVICE_URL"), "http://user-service:8081")
	orderURL := cmp.Or(os.Getenv("ORDER_SERVICE_URL"), "http://order-service:8082")

	hc := &http.Client{
		Timeout:   callTimeout,
		Transport: loggingTransport{next: http.DefaultTransport},
	}
	a := &app{
		users:  NewServiceClient("user-service", userURL, hc),
		orders: NewServiceClient("order-service", orderURL, hc),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /demo", a.demo)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": "client-service"})
	})
	mux.HandleFunc("GET /slow", handleSlow)

	log.Printf("calling user-service at %s and order-service at %s", userURL, orderURL)
	serve(port, "client-service", mux)
}

type step struct {
	Call   string  `json:"call"`
	Status int     `json:"status,omitempty"` // 0 (left out) when no answer came back
	TookMs float64 `json:"tookMs"`
	Error  string  `json:"error,omitempty"`
}

type summary struct {
	OK    bool   `json:"ok"`
	Steps []step `json:"steps"`
	User  *User  `json:"user,omitempty"`
	Order *Order `json:"order,omitempty"`
	Error string `json:"error,omitempty"`
}

func (s *summary) record(call string, start time.Time, okStatus int, err error) {
	st := step{Call: call, Status: okStatus, TookMs: float64(time.Since(start).Microseconds()) / 1000}
	if err != nil {
		st.Status = 0
		var se *StatusError
		if errors.As(err, &se) {
			st.Status = se.Status
		}
		st.Error = err.Error()
	}
	s.Steps = append(s.Steps, st)
}

// demo: GET /demo?user=1&item=...&quantity=1&delay=0s
//
//	/demo?user=999     user-service answers 404       -> we answer 404
//	/demo?quantity=0   order-service answers 400      -> we answer 400
//	/demo?delay=2s     user-service is slower than 1s -> we answer 504
func (a *app) demo(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	userID := cmp.Or(q.Get("user"), "1")
	item := cmp.Or(q.Get("item"), "Go 语言编程")
	quantity, err := strconv.Atoi(cmp.Or(q.Get("quantity"), "1"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, summary{Error: "quantity must be a number"})
		return
	}

	// Derived from the incoming request: if our caller hangs up, the calls we make are cancelled too.
	ctx, cancel := context.WithTimeout(r.Context(), demoTimeout)
	defer cancel()

	var sum summary

	start := time.Now()
	user, err := a.users.GetUser(ctx, userID, q.Get("delay"))
	sum.record("GET user-service /users/"+userID, start, http.StatusOK, err)
	if err != nil {
		fail(w, sum, err)
		return
	}
	sum.User = user

	start = time.Now()
	order, err := a.orders.CreateOrder(ctx, NewOrder{UserID: user.ID, Item: item, Quantity: quantity})
	sum.record("POST order-service /orders", start, http.StatusCreated, err)
	if err != nil {
		fail(w, sum, err)
		return
	}
	sum.Order = order

	sum.OK = true
	writeJSON(w, http.StatusOK, sum)
}

// fail answers with the summary so far and a status that tells our caller what went wrong downstream.
func fail(w http.ResponseWriter, sum summary, err error) {
	log.Printf("demo failed: %v", err)
	sum.Error = err.Error()
	writeJSON(w, statusFor(err), sum)
}

func statusFor(err error) int {
	var se *StatusError
	var ne net.Error
	switch {
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		return http.StatusNotFound // what our caller asked for does not exist
	case errors.As(err, &se) && se.Status == http.StatusBadRequest:
		return http.StatusBadRequest // the service refused input that came from our caller
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return http.StatusGatewayTimeout // a service did not answer in time
	default:
		return http.StatusBadGateway // a service is down, unreachable or answered nonsense
	}
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "client-service", "slept_ms": ms})
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
