package main

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is a capped exponential backoff with jitter between attempts of one transaction.
type Backoff struct {
	Base, Max time.Duration
}

// Delay before attempt n+1 (n >= 1): half fixed, half random.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Base << min(n-1, 20)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	return d/2 + rand.N(d/2+1)
}

// Retry runs fn until it succeeds or ctx ends. Every failure is retried: a transaction that
// failed (serialization failure 40001, deadlock 40P01, a connection terminated by the server,
// a refused connection) left nothing behind, and one whose COMMIT was lost in flight is found
// again by the unique index on message_id, so running it again is always safe. Giving up
// instead would mean skipping the message or leaving its offset uncommitted forever.
func Retry[T any](ctx context.Context, b Backoff, onRetry func(error, int), fn func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		result, err := fn()
		if err == nil {
			return result, nil
		}
		if ctx.Err() != nil {
			return result, ctx.Err()
		}
		onRetry(err, attempt)
		select {
		case <-ctx.Done():
			return result, ctx.Err()
		case <-time.After(b.Delay(attempt)):
		}
	}
}
