package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/transport"
	httptransport "github.com/go-kit/kit/transport/http"
)

// The transport layer: turns HTTP requests into endpoint requests and endpoint responses into
// HTTP responses. Adding gRPC later would mean a second transport over the same endpoints.

// errBadRequest marks a request body that is not the JSON we expect.
var errBadRequest = errors.New("bad request")

func newHTTPHandler(uppercase, count endpoint.Endpoint) http.Handler {
	opts := []httptransport.ServerOption{
		httptransport.ServerErrorEncoder(encodeError),
		// Errors that never reach an endpoint (e.g. a body that is not JSON) are logged here.
		httptransport.ServerErrorHandler(transport.ErrorHandlerFunc(func(_ context.Context, err error) {
			log.Printf("transport error: %v", err)
		})),
	}

	mux := http.NewServeMux()
	mux.Handle("POST /uppercase", httptransport.NewServer(uppercase, decodeUppercaseRequest, encodeResponse, opts...))
	mux.Handle("POST /count", httptransport.NewServer(count, decodeCountRequest, encodeResponse, opts...))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprintln(w, `{"status":"ok","service":"string-service"}`)
	})
	// Like /health, a plain handler rather than a go-kit endpoint: it is about the process, not about strings.
	mux.HandleFunc("GET /slow", handleSlow)
	return mux
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "string-service", "slept_ms": ms})
	case <-r.Context().Done():
		// The caller hung up first. (Shutdown does not cancel this context: it waits for the handler instead.)
		log.Printf("GET /slow: the caller went away after waiting: %v", r.Context().Err())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decodeUppercaseRequest(_ context.Context, r *http.Request) (any, error) {
	var req uppercaseRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return req, nil
}

func decodeCountRequest(_ context.Context, r *http.Request) (any, error) {
	var req countRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return req, nil
}

// encodeResponse writes a successful response as JSON, or hands a business error to encodeError.
func encodeResponse(ctx context.Context, w http.ResponseWriter, response any) error {
	if f, ok := response.(endpoint.Failer); ok && f.Failed() != nil {
		encodeError(ctx, f.Failed(), w)
		return nil
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(response)
}

// encodeError decides the status code for each error: this is where domain errors meet HTTP.
func encodeError(_ context.Context, err error, w http.ResponseWriter) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrEmpty):
		status = http.StatusUnprocessableEntity // well-formed JSON, but a value the service refuses
	case errors.Is(err, errBadRequest):
		status = http.StatusBadRequest // not even valid JSON
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
