// Command shop-service sells items whose stock lives in inventory-service. It shows the habits that
// keep a service healthy among unreliable neighbours: context deadlines, retries with backoff and
// jitter, a circuit breaker, liveness and readiness probes, graceful shutdown, and pprof.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stdout, nil)))
	if err := run(); err != nil {
		slog.Error("shop-service stopped", "err", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	requestTimeout, err := durationEnv("REQUEST_TIMEOUT", "3s")
	if err != nil {
		return err
	}
	drain, err := durationEnv("SHUTDOWN_DRAIN", "1s")
	if err != nil {
		return err
	}
	openFor, err := durationEnv("BREAKER_OPEN_FOR", "10s")
	if err != nil {
		return err
	}
	attemptTimeout, err := durationEnv("ATTEMPT_TIMEOUT", "1s")
	if err != nil {
		return err
	}
	// Spans go to the run's collector (OTEL_EXPORTER_OTLP_ENDPOINT); without one the exporter only logs errors.
	shutdownTracing, err := initTracing(context.Background(), "shop-service")
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
	policy := RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, AttemptTimeout: attemptTimeout}
	// Another service is reached by its name on the network; the variable makes localhost work too.
	inventory := NewInventoryClient(env("INVENTORY_URL", "http://inventory-service:8081"), policy, openFor)

	var ready atomic.Bool
	var inFlight atomic.Int64

	mux := http.NewServeMux()
	mux.HandleFunc("GET /buy/{id}", func(w http.ResponseWriter, r *http.Request) {
		// The whole purchase, retries included, must finish within requestTimeout. The deadline
		// travels down through every call via the context.
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()

		item, attempts, err := inventory.GetItem(ctx, r.PathValue("id"))
		// The span otelhttp opened for this request: the breaker's state after the call is an attribute of it.
		span := trace.SpanFromContext(r.Context())
		span.SetAttributes(attribute.String("breaker.state", inventory.BreakerState()), attribute.Int("attempts", len(attempts)))
		if attempts == nil {
			attempts = []Attempt{}
		}
		answer := map[string]any{
			"attempts":    len(attempts),
			"attempt_log": attempts,
			"breaker":     inventory.BreakerState(),
		}
		status := http.StatusOK
		switch {
		case err == nil && item.Stock <= 0:
			status, answer["error"] = http.StatusConflict, "out of stock"
		case err == nil:
			answer["order"] = map[string]any{"item": item, "status": "confirmed"}
		case errors.Is(err, errItemNotFound):
			status, answer["error"] = http.StatusNotFound, err.Error()
		case errors.Is(err, gobreaker.ErrOpenState):
			// Fail fast: no call was made. A real shop might fall back to a cached answer here.
			status, answer["error"] = http.StatusServiceUnavailable, "circuit breaker is open: inventory-service was not called"
			// Said on the purchase's own span too, so the waterfall shows why it has no client spans under it.
			span.AddEvent("circuit breaker open: call refused")
		case errors.Is(err, gobreaker.ErrTooManyRequests):
			status, answer["error"] = http.StatusServiceUnavailable, "circuit breaker is half-open and busy with a trial call"
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errNoTimeLeft):
			status, answer["error"] = http.StatusGatewayTimeout, err.Error()
		default:
			status, answer["error"] = http.StatusBadGateway, err.Error()
		}
		writeJSON(w, status, answer)
	})
	mux.HandleFunc("GET /breaker", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, inventory.BreakerStatus())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "alive"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ready": true})
	})

	// pprof on our own mux (importing net/http/pprof alone only registers on http.DefaultServeMux,
	// which we do not serve). In production put these on a separate, internal-only port.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// The same CPU profile, recorded and summarised here as a text table (see cputop.go).
	mux.HandleFunc("GET /debug/cpu-top", cpuTop)

	srv := &http.Server{
		Addr:              ":" + env("PORT", "8080"),
		Handler:           traced(logRequests(mux, &inFlight), "shop-service"),
		ReadHeaderTimeout: 5 * time.Second,
		// No WriteTimeout: /debug/pprof/profile streams for 30 s by default and would be cut off.
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Ready only once the listener exists and everything above is set up.
	ready.Store(true)
	slog.Info("shop-service listening", "addr", srv.Addr, "inventory", inventory.baseURL,
		"request_timeout", requestTimeout, "attempt_timeout", policy.AttemptTimeout, "max_attempts", policy.MaxAttempts)

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

// Unwrap lets http.ResponseController reach the real writer (flush, deadlines) through the recorder.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

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

func durationEnv(key, fallback string) (time.Duration, error) {
	d, err := time.ParseDuration(env(key, fallback))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}
