// Tracing set-up: a TracerProvider that sends spans over OTLP/HTTP, named by service.name, with W3C propagation;
// and startSpan, which records on each span the line of code that started it.
package main

import (
	"context"
	"runtime"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// startSpan is tracer.Start that also says where in the code the span began: the file, line and function of the
// call to startSpan, as the semantic conventions' code.file.path, code.line.number and code.function.name. A trace
// viewer can then take you from a span to its line (the playground's does: open a span, click its Code).
func startSpan(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	// Caller(1): the function that called startSpan, not startSpan itself.
	if pc, file, line, ok := runtime.Caller(1); ok {
		where := []attribute.KeyValue{semconv.CodeFilePath(file), semconv.CodeLineNumber(line)}
		if fn := runtime.FuncForPC(pc); fn != nil {
			where = append(where, semconv.CodeFunctionName(fn.Name())) // e.g. "main.lookup"
		}
		opts = append(opts, trace.WithAttributes(where...))
	}
	return tracer.Start(ctx, name, opts...)
}

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
