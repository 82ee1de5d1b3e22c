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
	"errors"
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
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			log.Printf("shutdown: %v", err)
		}
	}()

	log.Printf("string-service listening on :%s (POST /uppercase, POST /count)", port)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("string-service stopped")
}
