// frontend: where a request enters. GET /checkout asks the backend for stock and a price, passing the trace on.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8080")
	backendURL := cmp.Or(os.Getenv("BACKEND_URL"), "http://backend:8081")

	ctx := context.Background()
	shutdownTracing, err := initTracing(ctx, cmp.Or(os.Getenv("SERVICE_NAME"), "frontend"))
	if err != nil {
		log.Fatalf("tracing: %v", err)
	}

	// The otelhttp transport starts a client span per call and writes its traceparent header into the request.
	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport), Timeout: 3 * time.Second}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		checkout(w, r, client, backendURL)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /slow", handleSlow)

	handler := otelhttp.NewHandler(mux, "frontend",
		otelhttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/health" }),
	)
	serve(port, handler)

	// After the server has drained: send the spans still waiting in the batch, the drained requests' included.
	flushCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := shutdownTracing(flushCtx); err != nil {
		log.Printf("tracing shutdown: %v", err)
		return
	}
	log.Print("spans flushed to the collector; bye")
}

// checkout: ?item=book&qty=2. The answer carries the trace ID, so the trace is easy to find in the panel.
func checkout(w http.ResponseWriter, r *http.Request, client *http.Client, backendURL string) {
	ctx := r.Context()
	span := trace.SpanFromContext(ctx) // the server span otelhttp started for this request
	traceID := span.SpanContext().TraceID().String()

	item := cmp.Or(r.URL.Query().Get("item"), "book")
	qty := cmp.Or(r.URL.Query().Get("qty"), "1")
	if n, err := strconv.Atoi(qty); err == nil {
		span.SetAttributes(attribute.String("shop.item", item), attribute.Int("shop.quantity", n))
	}

	// ctx, not context.Background(): the client span must become a child of this request's span.
	status, body, err := getJSON(ctx, client, fmt.Sprintf("%s/stock/%s?qty=%s", backendURL, url.PathEscape(item), url.QueryEscape(qty)))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "backend unreachable")
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": err.Error(), "traceId": traceID})
		return
	}
	log.Printf("checkout %s x%s: backend answered %d (trace %s)", item, qty, status, traceID)
	// The backend's status is passed on: 404 unknown item, 409 not enough stock, 400 bad quantity.
	writeJSON(w, status, map[string]any{"ok": status == http.StatusOK, "backend": body, "traceId": traceID})
}

func getJSON(ctx context.Context, client *http.Client, target string) (int, any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("call backend: %w", err)
	}
	defer resp.Body.Close()
	var body any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return 0, nil, fmt.Errorf("backend answered %d with a body that is not JSON: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, body, nil
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "frontend", "slept_ms": ms})
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

// serve runs the server until SIGTERM or Ctrl+C, then lets requests in flight finish. It returns only once they
// have, so their spans have ended by the time main flushes the exporter.
func serve(port string, h http.Handler) {
	srv := &http.Server{Addr: ":" + port, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that serve is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("frontend listening on :%s", port)

	select {
	case err := <-errc:
		log.Fatal(err) // e.g. the port is taken: nothing was served, so there is nothing to shut down
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// Shutdown closes the listener and waits (at most 3 s) for the requests in flight; serve returns only after it.
	// (ListenAndServe returns as soon as Shutdown begins: returning then would end the process mid-request.)
	log.Print("stop signal: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v; the requests still running are cut off", err)
		return
	}
	log.Print("frontend stopped serving: every request in flight was answered")
}
