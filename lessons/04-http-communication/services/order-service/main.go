// order-service: owns the orders. POST /orders creates one and answers 201 Created.
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
	"sync"
	"syscall"
	"time"
)

type Order struct {
	ID        int       `json:"id"`
	UserID    int       `json:"userId"`
	Item      string    `json:"item"`
	Quantity  int       `json:"quantity"`
	CreatedAt time.Time `json:"createdAt"`
}

// createOrderRequest is what a caller sends. The server picks ID and CreatedAt itself.
type createOrderRequest struct {
	UserID   int    `json:"userId"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// store keeps orders in memory. Handlers run concurrently, so a mutex guards it.
type store struct {
	mu     sync.Mutex
	nextID int
	orders []Order
}

func (s *store) add(req createOrderRequest) Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	o := Order{ID: s.nextID, UserID: req.UserID, Item: req.Item, Quantity: req.Quantity, CreatedAt: time.Now().UTC()}
	s.orders = append(s.orders, o)
	return o
}

func (s *store) get(id int) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orders {
		if o.ID == id {
			return o, true
		}
	}
	return Order{}, false
}

func (s *store) all() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Order{}, s.orders...)
}

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8082")
	orders := &store{nextID: 1000}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		// Refuse huge bodies and unknown fields: a typo like "quantiy" becomes a clear 400.
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		var req createOrderRequest
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON body: " + err.Error()})
			return
		}
		if msg := validate(req); msg != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
			return
		}
		o := orders.add(req)
		w.Header().Set("Location", fmt.Sprintf("/orders/%d", o.ID))
		writeJSON(w, http.StatusCreated, o)
	})
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, orders.all())
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		o, ok := orders.get(id)
		if err != nil || !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "order " + r.PathValue("id") + " not found"})
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": "order-service"})
	})
	mux.HandleFunc("GET /slow", handleSlow)

	serve(port, "order-service", mux)
}

// validate checks the fields. Note what it does not check: whether the user exists. That data
// belongs to user-service; here the caller (client-service) asks user-service first.
func validate(req createOrderRequest) string {
	switch {
	case req.UserID <= 0:
		return "userId must be a positive number"
	case req.Item == "":
		return "item must not be empty"
	case req.Quantity < 1:
		return "quantity must be at least 1"
	}
	return ""
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "order-service", "slept_ms": ms})
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
