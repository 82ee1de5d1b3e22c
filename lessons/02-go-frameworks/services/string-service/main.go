// string-service: the classic go-kit example, in three layers.
//
//	service.go   — business logic (StringService), no framework in sight
//	endpoint.go  — one go-kit endpoint per method, plus an endpoint middleware
//	transport.go — HTTP/JSON decoding, encoding and error-to-status mapping
//
// main.go only wires the layers together.
package main

import (
	"cmp"
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8080")

	var svc StringService = stringService{}

	uppercase := loggingMiddleware("uppercase")(makeUppercaseEndpoint(svc))
	count := loggingMiddleware("count")(makeCountEndpoint(svc))

	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           newHTTPHandler(uppercase, count),
		ReadHeaderTimeout: 5 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that main is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("string-service listening on :%s (POST /uppercase, POST /count, GET /slow)", port)

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
	log.Print("string-service stopped")
}
