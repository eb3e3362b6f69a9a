package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Consumer reads the topic as a member of the group.
type Consumer struct {
	client  *kgo.Client
	process func(ctx context.Context, r *kgo.Record)
	log     *slog.Logger
}

// NewConsumer joins nothing yet: Run polls.
func NewConsumer(cfg Config, process func(ctx context.Context, r *kgo.Record), log *slog.Logger) (*Consumer, error) {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.KafkaBrokers...),
		kgo.ClientID("inventory-"+cfg.InstanceID),
		kgo.ConsumerGroup(cfg.KafkaGroupID),
		kgo.ConsumeTopics(cfg.KafkaTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.HeartbeatInterval(min(3*time.Second, max(500*time.Millisecond, cfg.SessionTimeout/3))),
		kgo.FetchMaxWait(time.Second),
		// BUG: the client's default autocommit commits the offsets of everything polled every few seconds, whether or not its outcome was written: a replica killed in between loses those messages for good
		kgo.AutoCommitInterval(time.Second),
	)
	if err != nil {
		return nil, err
	}
	return &Consumer{client: client, process: process, log: log}, nil
}

// Run polls until ctx ends; the partitions of each poll are processed at the same time.
func (c *Consumer) Run(ctx context.Context) {
	for {
		fetches := c.client.PollFetches(ctx)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			c.log.Warn("fetch error", "topic", topic, "partition", partition, "error", err)
		})
		var wg sync.WaitGroup
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, r := range p.Records {
					c.process(ctx, r)
				}
			}()
		})
		wg.Wait()
	}
}
