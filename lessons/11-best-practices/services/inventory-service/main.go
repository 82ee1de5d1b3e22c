// Command inventory-service answers stock questions, and fails or slows down on purpose so that its
// callers can show retries, timeouts and a circuit breaker. The failure rate and the delay can be
// changed while it runs through /admin endpoints.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type Item struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
	Stock int     `json:"stock"`
}

var catalog = map[string]Item{
	"1": {ID: "1", Name: "Gopher plush", Price: 19.90, Stock: 12},
	"2": {ID: "2", Name: "Go mug", Price: 9.50, Stock: 40},
	"3": {ID: "3", Name: "Limited-edition sticker pack", Price: 4.00, Stock: 0},
}

// chaos holds the injected faults. Requests read it while /admin writes it, hence the mutex.
type chaos struct {
	mu          sync.RWMutex
	failureRate float64       // 0..1: share of /items requests answered with 503
	delay       time.Duration // added to every /items request
}

func (c *chaos) get() (float64, time.Duration) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.failureRate, c.delay
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stdout, nil)))
	if err := run(); err != nil {
		slog.Error("inventory-service stopped", "err", err)
		os.Exit(1)
	}
}

func run() error {
	// The context ends on SIGTERM (what `docker stop` and Kubernetes send) or Ctrl-C.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rate, err := parseRate(env("FAILURE_RATE", "0"))
	if err != nil {
		return fmt.Errorf("FAILURE_RATE: %w", err)
	}
	delay, err := time.ParseDuration(env("DELAY", "0s"))
	if err != nil {
		return fmt.Errorf("DELAY: %w", err)
	}
	warmup, err := time.ParseDuration(env("WARMUP", "1s"))
	if err != nil {
		return fmt.Errorf("WARMUP: %w", err)
	}
	drain, err := time.ParseDuration(env("SHUTDOWN_DRAIN", "1s"))
	if err != nil {
		return fmt.Errorf("SHUTDOWN_DRAIN: %w", err)
	}
	// Spans go to the run's collector (OTEL_EXPORTER_OTLP_ENDPOINT); without one the exporter only logs errors.
	shutdownTracing, err := initTracing(context.Background(), "inventory-service")
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		// Flush the last batch of spans, or the requests of the final moments never reach the collector.
		flushCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := shutdownTracing(flushCtx); err != nil {
			slog.Error("tracing shutdown", "err", err)
		}
	}()
	faults := &chaos{failureRate: rate, delay: delay}

	var ready atomic.Bool // false until warm-up is done, false again once shutdown begins
	var inFlight atomic.Int64

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		rate, delay := faults.get()
		if delay > 0 {
			// Wait, but give up as soon as the caller does: its context is our context.
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				slog.Info("caller gave up, abandoning the request", "id", r.PathValue("id"), "err", r.Context().Err())
				return
			}
		}
		if rand.Float64() < rate {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "injected failure", "failure_rate": rate})
			return
		}
		item, ok := catalog[r.PathValue("id")]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such item"})
			return
		}
		writeJSON(w, http.StatusOK, item)
	})

	mux.HandleFunc("GET /admin/chaos", func(w http.ResponseWriter, r *http.Request) {
		rate, delay := faults.get()
		writeJSON(w, http.StatusOK, map[string]any{"failure_rate": rate, "delay_ms": delay.Milliseconds()})
	})
	mux.HandleFunc("POST /admin/failure-rate", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Rate *float64 `json:"rate"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil || body.Rate == nil ||
			*body.Rate < 0 || *body.Rate > 1 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": `send {"rate": <a number from 0 to 1>}`})
			return
		}
		faults.mu.Lock()
		faults.failureRate = *body.Rate
		faults.mu.Unlock()
		slog.Info("failure rate changed", "rate", *body.Rate)
		writeJSON(w, http.StatusOK, map[string]any{"failure_rate": *body.Rate})
	})
	mux.HandleFunc("POST /admin/delay", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Ms *int `json:"ms"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil || body.Ms == nil ||
			*body.Ms < 0 || *body.Ms > 60_000 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": `send {"ms": <0 to 60000>}`})
			return
		}
		faults.mu.Lock()
		faults.delay = time.Duration(*body.Ms) * time.Millisecond
		faults.mu.Unlock()
		slog.Info("delay changed", "ms", *body.Ms)
		writeJSON(w, http.StatusOK, map[string]any{"delay_ms": *body.Ms})
	})

	// Liveness: "the process works". It stays true during warm-up and shutdown; failing it makes an
	// orchestrator restart the container, which is not what a slow start or a clean stop needs.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "alive"})
	})
	// Readiness: "send me traffic". False while warming up and while draining before shutdown.
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ready": true})
	})

	srv := &http.Server{
		Addr:              ":" + env("PORT", "8081"),
		Handler:           traced(logRequests(mux, &inFlight), "inventory-service"),
		ReadHeaderTimeout: 5 * time.Second,
		// BaseContext stays the default on purpose: deriving request contexts from the signal context
		// would cancel every in-flight request at SIGTERM, the opposite of a graceful stop.
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	slog.Info("inventory-service listening", "addr", srv.Addr, "failure_rate", rate, "delay", delay)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// Pretend to load the catalogue: alive at once, ready only afterwards.
	go func() {
		select {
		case <-time.After(warmup):
			ready.Store(true)
			slog.Info("warm-up done, now ready", "took", warmup)
		case <-ctx.Done():
		}
	}()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		stop() // restore default signal handling: a second Ctrl-C stops at once
	}
	return shutdown(srv, &ready, &inFlight, drain)
}

// shutdown drains the server: readiness goes false first so load balancers stop sending new work,
// then Shutdown closes the listener and waits for the requests already running.
func shutdown(srv *http.Server, ready *atomic.Bool, inFlight *atomic.Int64, drain time.Duration) error {
	ready.Store(false)
	slog.Info("stop signal received: readiness is now false", "draining_for", drain, "in_flight", inFlight.Load())
	time.Sleep(drain)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	slog.Info("closing the listener and waiting for in-flight requests", "in_flight", inFlight.Load(), "limit", "10s")
	if err := srv.Shutdown(ctx); err != nil {
		slog.Error("in-flight requests did not finish in time; closing their connections", "left", inFlight.Load())
		return srv.Close()
	}
	slog.Info("all in-flight requests finished; bye")
	return nil
}

func logRequests(next http.Handler, inFlight *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Millisecond)}
		if err := r.Context().Err(); err != nil {
			attrs = append(attrs, "caller_gone", err) // the client hung up or timed out first
		}
		slog.Info("request", attrs...)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func env(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func parseRate(s string) (float64, error) {
	rate, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if rate < 0 || rate > 1 {
		return 0, errors.New("must be between 0 and 1")
	}
	return rate, nil
}
