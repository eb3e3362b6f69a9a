// Command inventory-service consumes inventory messages from Kafka and applies them to
// PostgreSQL (docs/CONTRACT.md).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kgo"
)

func newLogger(cfg Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})).
		With("service", "inventory", "instance", cfg.InstanceID)
}

// processor applies one Kafka record.
func processor(store *Store, log *slog.Logger) func(ctx context.Context, r *kgo.Record) {
	return func(ctx context.Context, r *kgo.Record) {
		var raw map[string]any
		_ = json.Unmarshal(r.Value, &raw)
		// BUG: a value that is not JSON, or is JSON null, makes this lookup panic and the whole replica crashes instead of recording the message as invalid: its partition is never consumed past it
		log.Debug("message", "id", raw["id"].(string))
		message, invalid := ParseMessage(r.Value)
		var err error
		if invalid == nil {
			_, err = store.Apply(ctx, message)
		} else {
			id := invalid.ID
			if id == "" {
				id = FallbackID(r.Topic, r.Partition, r.Offset)
			}
			_, err = store.RecordInvalid(ctx, id, invalid.Reason)
		}
		if err != nil {
			// BUG: when the database fails in the middle of a message (connection terminated, deadlock, ...) the message is dropped: no outcome row, and its offset is committed anyway
			log.Error("failed to process message", "partition", r.Partition, "offset", r.Offset, "error", err)
		}
	}
}

func run() int {
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "inventory-service: invalid environment: %v\n", err)
		return 2
	}
	log := newLogger(cfg)
	store, err := OpenStore(context.Background(), cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "inventory-service: failed to start: %v\n", err)
		return 1
	}
	if err := store.Migrate(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "inventory-service: failed to start: %v\n", err)
		return 1
	}
	consumer, err := NewConsumer(cfg, processor(store, log), log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "inventory-service: failed to start: %v\n", err)
		return 1
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		log.Info("shutting down")
		// BUG: on SIGTERM the replica closes the database and exits at once: messages in flight are cut off, nothing is committed and it never leaves the group, so its partitions sit idle until the session timeout
		store.Close()
		os.Exit(0)
	}()
	log.Info("consuming", "topic", cfg.KafkaTopic, "group", cfg.KafkaGroupID)
	consumer.Run(context.Background())
	return 0
}

func main() { os.Exit(run()) }
