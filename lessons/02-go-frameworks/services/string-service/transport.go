package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"

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
	return mux
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
