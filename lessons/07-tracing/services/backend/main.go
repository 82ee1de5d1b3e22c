// backend: the inventory. GET /stock/{item} looks an item up and prices it, each step a span of its own.
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

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracer names the code that creates the spans (the "instrumentation scope"), not the service.
var tracer = otel.Tracer("playground/tracing/backend")

type item struct {
	Name     string `json:"name"`
	InStock  int    `json:"inStock"`
	PriceCNY int    `json:"priceCny"` // in fen: money is never a float
}

var catalog = map[string]item{
	"book":     {Name: "Go 语言实战", InStock: 12, PriceCNY: 6900},
	"keyboard": {Name: "机械键盘", InStock: 3, PriceCNY: 39900},
	"mug":      {Name: "Gopher 马克杯", InStock: 40, PriceCNY: 4500},
}

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8081")

	ctx := context.Background()
	shutdownTracing, err := initTracing(ctx, cmp.Or(os.Getenv("SERVICE_NAME"), "backend"))
	if err != nil {
		log.Fatalf("tracing: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock/{item}", stock)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /slow", handleSlow)

	// otelhttp starts a server span per request and takes its parent from the traceparent header.
	// Health checks would only add noise, so they are not traced.
	handler := otelhttp.NewHandler(mux, "backend",
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

// stock answers how many of an item are left and what the requested quantity costs.
func stock(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("item")
	qty, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("qty"), "1"))
	if err != nil || qty < 1 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "qty must be a whole number of at least 1"})
		return
	}
	// r.Context() carries the server span that otelhttp started: spans started from it become its children.
	ctx := r.Context()

	it, err := lookup(ctx, name)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	if it.InStock < qty {
		// A normal business answer, not a fault: the span stays "unset", the attribute tells the story.
		trace.SpanFromContext(ctx).SetAttributes(attribute.Bool("inventory.enough", false))
		writeJSON(w, http.StatusConflict, map[string]any{
			"error":   fmt.Sprintf("only %d of %s left", it.InStock, name),
			"inStock": it.InStock,
		})
		return
	}
	total := price(ctx, it, qty)
	writeJSON(w, http.StatusOK, map[string]any{"item": name, "name": it.Name, "inStock": it.InStock, "totalFen": total})
}

// lookup pretends to query a database: a child span with attributes, an event, and an error status on failure.
func lookup(ctx context.Context, name string) (item, error) {
	_, span := startSpan(ctx, "inventory.lookup", // tracing.go: tracer.Start, and this line on the span
		trace.WithAttributes(attribute.String("inventory.item", name)),
	)
	defer span.End() // a span that never ends is never exported

	time.Sleep(8 * time.Millisecond) // the "query"
	it, ok := catalog[name]
	if !ok {
		err := fmt.Errorf("item %q is not in the catalog", name)
		span.RecordError(err) // an "exception" event on the span
		span.SetStatus(codes.Error, "unknown item")
		return item{}, err
	}
	span.AddEvent("row found", trace.WithAttributes(attribute.Int("inventory.in_stock", it.InStock)))
	return it, nil
}

// price is a second, sibling step: in the waterfall it starts where lookup ended.
func price(ctx context.Context, it item, qty int) int {
	_, span := startSpan(ctx, "pricing.quote")
	defer span.End()
	time.Sleep(3 * time.Millisecond)
	total := it.PriceCNY * qty
	span.SetAttributes(attribute.Int("pricing.quantity", qty), attribute.Int("pricing.total_fen", total))
	return total
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "backend", "slept_ms": ms})
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
	log.Printf("backend listening on :%s", port)

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
	log.Print("backend stopped serving: every request in flight was answered")
}
