package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"time"
)

// User and Order mirror the JSON that user-service and order-service send. Each service keeps its own
// copy of these types: services share a wire format, not Go code.
type User struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type Order struct {
	ID        int       `json:"id"`
	UserID    int       `json:"userId"`
	Item      string    `json:"item"`
	Quantity  int       `json:"quantity"`
	CreatedAt time.Time `json:"createdAt"`
}

type NewOrder struct {
	UserID   int    `json:"userId"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// StatusError means the other service did answer, but not with the status we expected.
// Callers look at Status (with errors.As) to decide what to do.
type StatusError struct {
	Service string
	Status  int
	Message string // the "error" field of the service's JSON answer, if it had one
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered %d %s: %s", e.Service, e.Status, http.StatusText(e.Status), e.Message)
}

// ServiceClient calls one remote service. All clients share one *http.Client, so connections to a
// service are kept open and reused instead of being dialled again for every call.
type ServiceClient struct {
	name    string
	baseURL string
	http    *http.Client
}

func NewServiceClient(name, baseURL string, hc *http.Client) *ServiceClient {
	return &ServiceClient{name: name, baseURL: baseURL, http: hc}
}

// GetUser asks user-service for one user. delay is a hook of this playground: it asks user-service
// to answer slowly, so you can watch a timeout happen.
func (c *ServiceClient) GetUser(ctx context.Context, id, delay string) (*User, error) {
	path := "/users/" + url.PathEscape(id)
	if delay != "" {
		path += "?delay=" + url.QueryEscape(delay)
	}
	var u User
	if err := c.do(ctx, http.MethodGet, path, nil, http.StatusOK, &u); err != nil {
		return nil, fmt.Errorf("get user %s: %w", id, err)
	}
	return &u, nil
}

// CreateOrder asks order-service to create an order; only 201 Created counts as success.
func (c *ServiceClient) CreateOrder(ctx context.Context, o NewOrder) (*Order, error) {
	var created Order
	if err := c.do(ctx, http.MethodPost, "/orders", o, http.StatusCreated, &created); err != nil {
		return nil, fmt.Errorf("create order: %w", err)
	}
	return &created, nil
}

// do sends one request and decodes the JSON answer into out, if the status is the one we want.
func (c *ServiceClient) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var reqBody io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		reqBody = bytes.NewReader(b)
	}

	// The context carries the deadline and the cancellation of the incoming request that caused this call.
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, reqBody)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return err // no answer at all: connection refused, unknown host, timeout…
	}
	// Always close the body, or the connection cannot go back to the pool.
	defer resp.Body.Close()

	if resp.StatusCode != want {
		return &StatusError{Service: c.name, Status: resp.StatusCode, Message: errorMessage(resp.Body)}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s answer: %w", c.name, err)
	}
	return nil
}

// errorMessage reads the {"error": "..."} body our services send with a failure, or the raw text.
func errorMessage(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 4<<10)) // never trust a size we did not choose
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return e.Error
	}
	return string(bytes.TrimSpace(b))
}

// loggingTransport is middleware for the client side: it wraps the http.RoundTripper that
// really sends requests, and logs every outgoing call with its status and duration.
type loggingTransport struct {
	next http.RoundTripper
}

func (t loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	took := time.Since(start).Round(time.Microsecond)
	if err != nil {
		log.Printf("  -> %s %s failed after %s: %v", req.Method, req.URL, took, err)
		return nil, err
	}
	log.Printf("  -> %s %s -> %d (%s)", req.Method, req.URL, resp.StatusCode, took)
	return resp, nil
}
