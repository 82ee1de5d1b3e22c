package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

type Item struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
	Stock int     `json:"stock"`
}

var errItemNotFound = errors.New("inventory has no such item")

// InventoryClient calls inventory-service through two layers of protection:
//
//	circuit breaker ─▶ retries with backoff ─▶ one HTTP attempt with its own timeout
//
// Retries absorb short blips; the breaker notices when the dependency is really down and then fails
// fast instead of piling more load (and more waiting callers) onto it.
type InventoryClient struct {
	baseURL string
	http    *http.Client
	retry   RetryPolicy
	openFor time.Duration
	breaker *gobreaker.CircuitBreaker[Item]
	changed atomic.Int64 // unix ms of the last state change, for GET /breaker
}

func NewInventoryClient(baseURL string, retry RetryPolicy, openFor time.Duration) *InventoryClient {
	c := &InventoryClient{
		baseURL: baseURL,
		// No Client.Timeout: every request carries a context deadline instead, which also cancels
		// the request on the server side of the connection when we give up. The otelhttp transport
		// makes each attempt a client span of its own and sends its traceparent to the inventory,
		// so retries show up as several calls under the one purchase.
		http:    &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)},
		retry:   retry,
		openFor: openFor,
	}
	c.breaker = gobreaker.NewCircuitBreaker[Item](gobreaker.Settings{
		Name: "inventory",
		// Half-open: let one trial call through; its result decides between closed and open.
		MaxRequests: 1,
		// Closed state: forget old counts every 30 s, so failures spread over an hour don't add up.
		Interval: 30 * time.Second,
		// Open state: reject everything for this long, then go half-open.
		Timeout: openFor,
		ReadyToTrip: func(n gobreaker.Counts) bool {
			// Trip after 3 failed calls in a row, or when at least half of 6+ calls failed.
			return n.ConsecutiveFailures >= 3 || (n.Requests >= 6 && n.TotalFailures*2 >= n.Requests)
		},
		// A 404 is a correct answer from a healthy service: it must not push the breaker open.
		IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, errItemNotFound) },
		// The shopper hanging up says nothing about the inventory's health: don't count it at all.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			c.changed.Store(time.Now().UnixMilli())
			slog.Warn("circuit breaker changed state", "breaker", name, "from", from.String(), "to", to.String())
		},
	})
	return c
}

// GetItem returns the item and the attempts made. No attempts means the breaker refused the call.
func (c *InventoryClient) GetItem(ctx context.Context, id string) (Item, []Attempt, error) {
	var attempts []Attempt
	item, err := c.breaker.Execute(func() (Item, error) {
		var item Item
		var err error
		attempts, err = c.retry.Do(ctx, func(ctx context.Context) error {
			item, err = c.fetch(ctx, id)
			return err
		})
		return item, err
	})
	return item, attempts, err
}

// fetch is a single HTTP attempt. It decides which failures are worth retrying.
func (c *InventoryClient) fetch(ctx context.Context, id string) (Item, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/items/"+url.PathEscape(id), nil)
	if err != nil {
		return Item{}, permanent(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Item{}, err // connection refused, reset, timeout: worth another try
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusOK:
		var item Item
		if err := json.NewDecoder(resp.Body).Decode(&item); err != nil {
			return Item{}, permanent(fmt.Errorf("decode item: %w", err))
		}
		return item, nil
	case resp.StatusCode == http.StatusNotFound:
		return Item{}, permanent(errItemNotFound)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // lets the connection be reused
		return Item{}, fmt.Errorf("inventory answered %s", resp.Status)
	default: // other 4xx: our request is wrong, sending it again will not help
		return Item{}, permanent(fmt.Errorf("inventory answered %s", resp.Status))
	}
}

// BreakerState is "closed", "open" or "half-open".
func (c *InventoryClient) BreakerState() string { return c.breaker.State().String() }

// BreakerStatus is what GET /breaker shows.
func (c *InventoryClient) BreakerStatus() map[string]any {
	// State() also performs the timed open → half-open move, so read it before anything else.
	state := c.breaker.State().String()
	counts := c.breaker.Counts()
	since := "start"
	if ms := c.changed.Load(); ms != 0 {
		since = time.UnixMilli(ms).UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"name":        c.breaker.Name(),
		"state":       state,
		"state_since": since,
		"counts": map[string]uint32{
			"requests":              counts.Requests,
			"total_successes":       counts.TotalSuccesses,
			"total_failures":        counts.TotalFailures,
			"total_exclusions":      counts.TotalExclusions,
			"consecutive_successes": counts.ConsecutiveSuccesses,
			"consecutive_failures":  counts.ConsecutiveFailures,
		},
		"trips_when":     "3 failed calls in a row, or at least half of 6+ calls failed",
		"open_for_s":     c.openFor.Seconds(),
		"retry_attempts": c.retry.MaxAttempts,
	}
}
