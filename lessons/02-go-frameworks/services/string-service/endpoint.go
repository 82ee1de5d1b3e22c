package main

import (
	"context"
	"log"
	"time"

	"github.com/go-kit/kit/endpoint"
)

// The endpoint layer: one endpoint.Endpoint per service method. An endpoint takes a request value
// and returns a response value — the same shape for every method, so go-kit middlewares (logging,
// rate limiting, circuit breaking…) can wrap any of them.

type uppercaseRequest struct {
	S string `json:"s"`
}

type uppercaseResponse struct {
	V   string `json:"v"`
	Err error  `json:"-"` // a business error; the transport decides how to show it
}

// Failed implements endpoint.Failer: it tells the transport that this response carries an error.
func (r uppercaseResponse) Failed() error { return r.Err }

type countRequest struct {
	S string `json:"s"`
}

type countResponse struct {
	V int `json:"v"`
}

func makeUppercaseEndpoint(svc StringService) endpoint.Endpoint {
	return func(_ context.Context, request any) (any, error) {
		req := request.(uppercaseRequest)
		v, err := svc.Uppercase(req.S)
		// By go-kit convention a business error travels inside the response; the endpoint's own error
		// result is kept for failures of the machinery (a broken connection, a tripped breaker).
		return uppercaseResponse{V: v, Err: err}, nil
	}
}

func makeCountEndpoint(svc StringService) endpoint.Endpoint {
	return func(_ context.Context, request any) (any, error) {
		req := request.(countRequest)
		return countResponse{V: svc.Count(req.S)}, nil
	}
}

// loggingMiddleware is an endpoint.Middleware: a function from Endpoint to Endpoint. It works for
// every endpoint without knowing its request and response types.
func loggingMiddleware(method string) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			start := time.Now()
			response, err := next(ctx, request)
			failed := err
			if f, ok := response.(endpoint.Failer); ok && failed == nil {
				failed = f.Failed()
			}
			log.Printf("endpoint=%s request=%+v err=%v took=%s", method, request, failed, time.Since(start).Round(time.Microsecond))
			return response, err
		}
	}
}
