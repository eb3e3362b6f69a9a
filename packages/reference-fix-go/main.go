// Command inventory-service consumes inventory messages from Kafka and applies them to
// PostgreSQL (docs/CONTRACT.md): one outcome per message id, effects exactly once.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// shutdownDeadline keeps a margin to the contract's 10 s after SIGTERM.
const shutdownDeadline = 8 * time.Second

var dbBackoff = Backoff{Base: 25 * time.Millisecond, Max: time.Second}

func newLogger(cfg Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})).
		With("service", "inventory", "instance", cfg.InstanceID)
}

// processor turns one Kafka record into exactly one durable outcome; it returns only once
// that outcome is committed (or ctx ended while retrying).
func processor(store *Store, log *slog.Logger) func(ctx context.Context, r *kgo.Record) error {
	onRetry := func(err error, attempt int) {
		log.Warn("database operation failed, retrying", "attempt", attempt, "error", err)
	}
	return func(ctx context.Context, r *kgo.Record) error {
		message, invalid := ParseMessage(r.Value)
		var result Outcome
		var err error
		if invalid == nil {
			// The transaction runs to its end even when ctx ends: only the wait between
			// attempts is cut short.
			result, err = Retry(ctx, dbBackoff, onRetry, func() (Outcome, error) { return store.Apply(context.WithoutCancel(ctx), message) })
		} else {
			id := invalid.ID
			if id == "" {
				id = FallbackID(r.Topic, r.Partition, r.Offset)
			}
			result, err = Retry(ctx, dbBackoff, onRetry, func() (Outcome, error) { return store.RecordInvalid(context.WithoutCancel(ctx), id, invalid.Reason) })
		}
		if err == nil {
			log.Debug("message processed", "partition", r.Partition, "offset", r.Offset, "outcome", result.Kind)
		}
		return err
	}
}

func run() int {
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "inventory-service: invalid environment: %v\n", err)
		return 2
	}
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	store, err := OpenStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "inventory-service: failed to start: %v\n", err)
		return 1
	}
	defer store.Close()
	onRetry := func(err error, attempt int) { log.Warn("migration failed, retrying", "attempt", attempt, "error", err) }
	if _, err := Retry(ctx, dbBackoff, onRetry, func() (struct{}, error) { return struct{}{}, store.Migrate(ctx) }); err != nil {
		return 0 // signalled before the migrations succeeded: nothing to finish
	}

	consumer, err := NewConsumer(cfg, processor(store, log), log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "inventory-service: failed to start: %v\n", err)
		return 1
	}
	log.Info("consuming", "topic", cfg.KafkaTopic, "group", cfg.KafkaGroupID)
	consumer.Run(ctx)

	log.Info("shutting down")
	timer := time.AfterFunc(shutdownDeadline, func() {
		log.Error("shutdown did not finish in time, exiting")
		os.Exit(1)
	})
	defer timer.Stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownDeadline)
	defer cancel()
	consumer.Shutdown(shutdownCtx)
	return 0
}

func main() { os.Exit(run()) }
