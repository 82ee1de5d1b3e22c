// greeter-client: calls the greeter service through the client that protoc-gen-micro generated.
//
// It calls Greeter.Hello every few seconds on its own (watch its terminal), and it offers
// GET /hello?name=... so you can trigger a call yourself from the request panel.
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

	"go-micro.dev/v5"
	"go-micro.dev/v5/client"
	merrors "go-micro.dev/v5/errors"
	"go-micro.dev/v5/registry"

	pb "playground/go-frameworks/greeter/proto"
)

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8081")
	// Where greeter listens. On the playground's network the container is reachable by its name.
	greeterAddr := cmp.Or(os.Getenv("GREETER_ADDRESS"), "greeter:9090")

	// The service gives us a configured go-micro client. We never call svc.Run: this program serves
	// plain HTTP, not go-micro RPC. The memory registry keeps go-micro away from mDNS.
	svc := micro.NewService(
		micro.Name("greeter-client"),
		micro.Registry(registry.NewMemoryRegistry()),
	)
	greeter := pb.NewGreeterService("greeter", svc.Client())

	// hello makes one RPC. client.WithAddress skips service discovery and dials greeterAddr directly.
	hello := func(ctx context.Context, name string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		rsp, err := greeter.Hello(ctx, &pb.HelloRequest{Name: name}, client.WithAddress(greeterAddr))
		if err != nil {
			return "", err // left unwrapped: merrors.FromError below parses go-micro's JSON error text
		}
		return rsp.GetGreeting(), nil
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go callRepeatedly(ctx, hello)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		greeting, err := hello(r.Context(), r.URL.Query().Get("name"))
		if err != nil {
			log.Printf("GET /hello: call greeter at %s: %v", greeterAddr, err)
			// A go-micro error travels as JSON text with an HTTP-like code; FromError turns it back
			// into a *merrors.Error. A 4xx means greeter itself rejected the request (400 for an empty
			// name): pass that verdict on. Anything else means greeter failed or could not be reached
			// (500 "connection refused", 408 timeout): for our caller that is a 502 Bad Gateway.
			me := merrors.FromError(err)
			status := http.StatusBadGateway
			if me.Code >= 400 && me.Code < 500 && me.Code != http.StatusRequestTimeout {
				status = int(me.Code)
			}
			writeJSON(w, status, map[string]any{"error": me.Detail, "code": me.Code, "from": me.Id})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"greeting": greeting, "greeter": greeterAddr})
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": "greeter-client"})
	})
	mux.HandleFunc("GET /slow", handleSlow)

	srv := &http.Server{Addr: ":" + port, Handler: logRequests(mux), ReadHeaderTimeout: 5 * time.Second}

	// ListenAndServe runs in a goroutine, so that main is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("greeter-client listening on :%s, calling greeter at %s", port, greeterAddr)

	select {
	case err := <-errc:
		log.Fatal(err) // e.g. the port is taken: nothing was served, so there is nothing to shut down
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// Shutdown closes the listener and waits (at most 5 s) for the requests in flight; main returns only after it.
	// (ListenAndServe returns as soon as Shutdown begins: returning then would end the process mid-request.)
	log.Print("stop signal: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v; the requests still running are cut off", err)
	}
	log.Print("greeter-client stopped")
}

// callRepeatedly greets a new name every five seconds until ctx ends. If greeter is not up yet,
// the call fails and is tried again next time: callers of a remote service must expect that.
func callRepeatedly(ctx context.Context, hello func(context.Context, string) (string, error)) {
	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	for n := 1; ; n++ {
		greeting, err := hello(ctx, fmt.Sprintf("learner #%d", n))
		if err != nil {
			log.Printf("call %d failed: %v", n, err) // e.g. greeter not started yet
		} else {
			log.Printf("call %d: %s", n, greeting)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "greeter-client", "slept_ms": ms})
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
