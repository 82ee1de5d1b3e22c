// Tracing set-up: a TracerProvider that sends spans over OTLP/HTTP to the run's collector, with W3C propagation.
package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// initTracing installs the global TracerProvider and propagator. The returned function flushes and stops the
// exporter; call it before the process exits, or the last batch of spans is lost.
func initTracing(ctx context.Context, service string) (func(context.Context) error, error) {
	// With no options the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (here http://collector:4318, set in the
	// lesson's manifest); the http:// scheme means plain HTTP, fine on the run's private network.
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(service)),
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(
		// A short batch timeout so a span shows up in the playground a moment after its request (default 5 s).
		sdktrace.WithBatcher(exporter, sdktrace.WithBatchTimeout(200*time.Millisecond)),
		sdktrace.WithResource(res),
		// Follow the caller's decision; keep every trace this service starts (a real system would sample).
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	)
	otel.SetTracerProvider(tp)
	// Without this the global propagator is a no-op: no traceparent header would be read or written.
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{},
		propagation.Baggage{},
	))
	return tp.Shutdown, nil
}

// traced wraps the service's handler so every request gets a server span, continuing the caller's trace when a
// traceparent header comes with it; otelhttp names the span after the mux's pattern ("GET /buy/{id}"). Probes
// and the /debug/ pages (pprof, cpu-top) stay out of the traces: the run's health checks alone would bury the
// purchases.
func traced(next http.Handler, service string) http.Handler {
	return otelhttp.NewHandler(next, service,
		otelhttp.WithFilter(func(r *http.Request) bool { return !untraced(r.URL.Path) }),
	)
}

func untraced(path string) bool {
	return path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/debug/")
}
