package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
)

var fastPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, AttemptTimeout: time.Second}

func TestBackoffStaysUnderTheCap(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for failures := 1; failures <= 70; failures++ {
		ceiling := min(p.MaxDelay, 100*time.Millisecond<<(failures-1))
		if failures > 10 {
			ceiling = p.MaxDelay
		}
		for range 50 {
			if d := p.Backoff(failures); d < 0 || d > ceiling {
				t.Fatalf("Backoff(%d) = %v, want between 0 and %v", failures, d, ceiling)
			}
		}
	}
}

func TestRetriesUntilSuccess(t *testing.T) {
	calls := 0
	attempts, err := fastPolicy.Do(context.Background(), func(context.Context) error {
		if calls++; calls < 3 {
			return errors.New("503")
		}
		return nil
	})
	if err != nil || len(attempts) != 3 {
		t.Fatalf("got %d attempts, err %v; want 3 attempts and no error", len(attempts), err)
	}
}

func TestPermanentErrorIsNotRetried(t *testing.T) {
	attempts, err := fastPolicy.Do(context.Background(), func(context.Context) error {
		return permanent(errItemNotFound)
	})
	if !errors.Is(err, errItemNotFound) || len(attempts) != 1 {
		t.Fatalf("got %d attempts, err %v; want 1 attempt and errItemNotFound", len(attempts), err)
	}
}

func TestStopsAtTheCallersDeadline(t *testing.T) {
	slow := RetryPolicy{MaxAttempts: 10, BaseDelay: 200 * time.Millisecond, MaxDelay: 200 * time.Millisecond, AttemptTimeout: time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := slow.Do(ctx, func(context.Context) error { return errors.New("503") })
	if err == nil || time.Since(start) > 150*time.Millisecond {
		t.Fatalf("err %v after %v; want a quick failure that respects the 50ms deadline", err, time.Since(start))
	}
}

// An end-to-end check against a fake inventory that always fails: after three failed calls the
// breaker opens, and the next call fails fast without touching the server.
func TestBreakerOpensAndFailsFast(t *testing.T) {
	var hits atomic.Int32
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer fake.Close()

	client := NewInventoryClient(fake.URL, fastPolicy, time.Minute)
	for range 3 {
		if _, _, err := client.GetItem(context.Background(), "1"); err == nil {
			t.Fatal("want an error from an always-failing inventory")
		}
	}
	if got := client.BreakerState(); got != "open" {
		t.Fatalf("breaker is %s after 3 failed calls, want open", got)
	}
	before := hits.Load()
	_, attempts, err := client.GetItem(context.Background(), "1")
	if !errors.Is(err, gobreaker.ErrOpenState) || len(attempts) != 0 || hits.Load() != before {
		t.Fatalf("open breaker: err %v, %d attempts, %d new hits; want ErrOpenState and no call", err, len(attempts), hits.Load()-before)
	}
}
