package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// RetryPolicy says how hard to try. Every attempt gets its own timeout, and the whole sequence is
// bounded by the caller's context: retries never outlive the request that asked for them.
type RetryPolicy struct {
	MaxAttempts    int
	BaseDelay      time.Duration // wait cap after the 1st failure; it doubles after each further one
	MaxDelay       time.Duration // the cap never grows beyond this
	AttemptTimeout time.Duration
}

// Attempt is one try, reported back to the client so the learner can see what happened.
type Attempt struct {
	N          int    `json:"n"`
	Outcome    string `json:"outcome"`
	DurationMs int64  `json:"duration_ms"`
	WaitMs     int64  `json:"wait_before_next_ms,omitempty"`
}

// permanentError marks a failure that retrying cannot fix (a 404, a bad request).
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

func permanent(err error) error { return permanentError{err} }

// errNoTimeLeft is returned when the next wait would end after the caller's deadline.
var errNoTimeLeft = errors.New("not enough time left before the deadline for another attempt")

// Backoff is "full jitter" exponential backoff: a random wait between 0 and BaseDelay·2^(n-1),
// capped at MaxDelay. The randomness matters: when a dependency hiccups, hundreds of clients fail at
// the same moment, and without jitter they would all retry at the same moment too.
func (p RetryPolicy) Backoff(failures int) time.Duration {
	ceiling := p.BaseDelay << (failures - 1)  // 1st failure: BaseDelay, 2nd: 2·BaseDelay, ...
	if ceiling > p.MaxDelay || ceiling <= 0 { // <= 0 guards against overflow on large counts
		ceiling = p.MaxDelay
	}
	return rand.N(ceiling + 1)
}

// Do calls fn until it succeeds, fails permanently, runs out of attempts, or ctx ends.
func (p RetryPolicy) Do(ctx context.Context, fn func(ctx context.Context) error) ([]Attempt, error) {
	var attempts []Attempt
	for n := 1; ; n++ {
		attemptCtx, cancel := context.WithTimeout(ctx, p.AttemptTimeout)
		start := time.Now()
		err := fn(attemptCtx)
		cancel()
		a := Attempt{N: n, Outcome: "ok", DurationMs: time.Since(start).Milliseconds()}
		if err != nil {
			a.Outcome = err.Error()
		}
		attempts = append(attempts, a)

		var perm permanentError
		switch {
		case err == nil:
			return attempts, nil
		case errors.As(err, &perm):
			return attempts, err
		case ctx.Err() != nil: // the caller's deadline passed or the caller went away
			return attempts, fmt.Errorf("gave up after %d attempt(s): %w", n, ctx.Err())
		case n >= p.MaxAttempts:
			return attempts, fmt.Errorf("gave up after %d attempt(s): %w", n, err)
		}

		wait := p.Backoff(n)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait+10*time.Millisecond {
			return attempts, fmt.Errorf("gave up after %d attempt(s): %w (last error: %v)", n, errNoTimeLeft, err)
		}
		attempts[len(attempts)-1].WaitMs = wait.Milliseconds()
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return attempts, fmt.Errorf("gave up while waiting to retry: %w", ctx.Err())
		}
	}
}
