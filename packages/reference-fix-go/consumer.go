package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// maxQueued records per partition before its fetching is paused (back-pressure).
const maxQueued = 500

// Consumer reads the topic as a member of the group and processes each assigned partition in
// its own goroutine: partitions run in parallel, the records of one partition in offset order.
type Consumer struct {
	client  *kgo.Client
	process func(ctx context.Context, r *kgo.Record) error
	log     *slog.Logger

	mu      sync.Mutex
	workers map[int32]*partitionWorker
}

// NewConsumer joins nothing yet: Run polls.
func NewConsumer(cfg Config, process func(ctx context.Context, r *kgo.Record) error, log *slog.Logger) (*Consumer, error) {
	c := &Consumer{process: process, log: log, workers: map[int32]*partitionWorker{}}
	client, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.KafkaBrokers...),
		kgo.ClientID("inventory-"+cfg.InstanceID),
		kgo.ConsumerGroup(cfg.KafkaGroupID),
		kgo.ConsumeTopics(cfg.KafkaTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.HeartbeatInterval(min(3*time.Second, max(500*time.Millisecond, cfg.SessionTimeout/3))),
		kgo.FetchMaxWait(time.Second),
		// Only offsets of records whose outcome is committed in PostgreSQL are marked.
		kgo.AutoCommitMarks(),
		kgo.AutoCommitInterval(time.Second),
		// Callbacks run only between polls, so no record of a revoked partition is in the
		// hands of the poll loop when its worker is stopped.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(c.assigned),
		kgo.OnPartitionsRevoked(c.revoked),
		kgo.OnPartitionsLost(c.lost),
	)
	if err != nil {
		return nil, err
	}
	c.client = client
	return c, nil
}

// Run polls until ctx ends, handing each partition's records to its worker.
func (c *Consumer) Run(ctx context.Context) {
	for {
		fetches := c.client.PollRecords(ctx, 256)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			c.client.AllowRebalance()
			return
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			c.log.Warn("fetch error", "topic", topic, "partition", partition, "error", err)
		})
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			c.mu.Lock()
			w := c.workers[p.Partition]
			c.mu.Unlock()
			if w != nil && len(p.Records) > 0 {
				w.enqueue(p.Records)
			}
		})
		c.client.AllowRebalance()
	}
}

// Shutdown stops every worker after the message it is processing, commits what they
// finished and leaves the group (its partitions move at once).
func (c *Consumer) Shutdown(ctx context.Context) {
	c.stopWorkers(nil)
	if err := c.client.CommitMarkedOffsets(ctx); err != nil {
		c.log.Error("commit on shutdown failed", "error", err)
	}
	c.client.Close()
}

func (c *Consumer) assigned(_ context.Context, cl *kgo.Client, assigned map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for topic, partitions := range assigned {
		for _, partition := range partitions {
			w := newPartitionWorker(topic, partition, c)
			c.workers[partition] = w
			go w.run()
		}
	}
}

func (c *Consumer) revoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	c.stopWorkers(revoked)
	if err := cl.CommitMarkedOffsets(ctx); err != nil {
		c.log.Warn("commit on revoke failed", "error", err)
	}
}

func (c *Consumer) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	c.stopWorkers(lost) // nothing can be committed for partitions already lost
}

// stopWorkers stops the workers of the given partitions (nil: all) and waits until each has
// finished the record in flight.
func (c *Consumer) stopWorkers(which map[string][]int32) {
	c.mu.Lock()
	var stopping []*partitionWorker
	for partition, w := range c.workers {
		if which == nil || contains(which[w.topic], partition) {
			stopping = append(stopping, w)
			delete(c.workers, partition)
		}
	}
	c.mu.Unlock()
	for _, w := range stopping {
		w.stop()
	}
	for _, w := range stopping {
		<-w.done
		// A paused partition stays paused across assignments: resume it for its next owner.
		c.client.ResumeFetchPartitions(map[string][]int32{w.topic: {w.partition}})
	}
}

func contains(list []int32, p int32) bool {
	for _, v := range list {
		if v == p {
			return true
		}
	}
	return false
}

// partitionWorker processes one partition's records one after the other.
type partitionWorker struct {
	topic     string
	partition int32
	consumer  *Consumer
	ctx       context.Context
	cancel    context.CancelFunc
	wake      chan struct{}
	done      chan struct{}

	mu     sync.Mutex
	queue  []*kgo.Record
	paused bool
}

func newPartitionWorker(topic string, partition int32, c *Consumer) *partitionWorker {
	ctx, cancel := context.WithCancel(context.Background())
	return &partitionWorker{topic: topic, partition: partition, consumer: c, ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// enqueue never blocks the poll loop; a long queue pauses the partition's fetching until the
// worker has emptied it (pause and resume both happen under mu, so they cannot cross).
func (w *partitionWorker) enqueue(records []*kgo.Record) {
	w.mu.Lock()
	w.queue = append(w.queue, records...)
	if len(w.queue) >= maxQueued && !w.paused {
		w.paused = true
		w.consumer.client.PauseFetchPartitions(map[string][]int32{w.topic: {w.partition}})
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *partitionWorker) next() *kgo.Record {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		if w.paused {
			w.paused = false
			w.consumer.client.ResumeFetchPartitions(map[string][]int32{w.topic: {w.partition}})
		}
		return nil
	}
	r := w.queue[0]
	w.queue[0] = nil
	w.queue = w.queue[1:]
	return r
}

// stop lets the record in flight finish (its transaction is not interrupted) and ends the loop.
func (w *partitionWorker) stop() { w.cancel() }

func (w *partitionWorker) run() {
	defer close(w.done)
	for {
		r := w.next()
		if r == nil {
			select {
			case <-w.ctx.Done():
				return
			case <-w.wake:
				continue
			}
		}
		if w.ctx.Err() != nil {
			return
		}
		if err := w.consumer.process(w.ctx, r); err != nil {
			return // stopped while retrying: the record stays uncommitted and is redelivered
		}
		w.consumer.client.MarkCommitRecords(r)
	}
}
