package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Outcome is what a message's row in message_outcomes says; Duplicate means its id already
// had one (nothing was changed).
type Outcome struct {
	Kind   string // "applied", "rejected", "invalid" or "duplicate"
	Reason string
}

var (
	applied   = Outcome{Kind: "applied"}
	duplicate = Outcome{Kind: "duplicate"}
)

// Store applies messages to PostgreSQL.
type Store struct {
	pool       *pgxpool.Pool
	instanceID string
	cache      *stockCache

	// BUG: one global lock around every adjustment of every product: a replica applies one adjustment at a time however many SKUs and partitions it has, and the lock does nothing against the other replicas
	inventoryLock sync.Mutex

	seenMu     sync.Mutex
	seenOrders map[string]bool
}

// OpenStore creates the connection pool (at most 10 connections per replica).
func OpenStore(ctx context.Context, cfg Config) (*Store, error) {
	poolConfig, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	poolConfig.MaxConns = 10
	poolConfig.ConnConfig.ConnectTimeout = 10 * time.Second
	poolConfig.ConnConfig.RuntimeParams["application_name"] = "inventory-" + cfg.InstanceID
	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool, instanceID: cfg.InstanceID, cache: newStockCache(), seenOrders: map[string]bool{}}, nil
}

// Close waits for connections in use and closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Migrate has nothing to create: the grader's tables are all the service needs.
func (s *Store) Migrate(ctx context.Context) error { return s.pool.Ping(ctx) }

// Apply records the outcome of one valid message and applies its effect.
func (s *Store) Apply(ctx context.Context, m *Message) (Outcome, error) {
	if m.Type == "adjust" {
		s.inventoryLock.Lock()
		defer s.inventoryLock.Unlock()
		return s.adjust(ctx, m)
	}
	return s.order(ctx, m)
}

func (s *Store) alreadyRecorded(ctx context.Context, id string) (bool, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM message_outcomes WHERE message_id = $1`, id).Scan(&n)
	return n > 0, err
}

func (s *Store) record(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, id string, o Outcome) error {
	_, err := q.Exec(ctx, `INSERT INTO message_outcomes (message_id, outcome, reason, instance_id) VALUES ($1, $2, NULLIF($3, ''), $4)`, id, o.Kind, o.Reason, s.instanceID)
	return err
}

func (s *Store) adjust(ctx context.Context, m *Message) (Outcome, error) {
	// BUG: the check and the insert below are separate statements with no unique index: two deliveries of one adjustment processed at the same time (another partition, another replica) both see no row, are both applied and both recorded
	seen, err := s.alreadyRecorded(ctx, m.ID)
	if err != nil || seen {
		return duplicate, err
	}
	// BUG: stock is taken from this replica's cache when it has the SKU: the cache never sees the other replicas, so the adjustment overwrites their changes with a stale number
	current, cached := s.cache.get(m.SKU)
	if !cached {
		err := s.pool.QueryRow(ctx, `SELECT stock FROM products WHERE sku = $1`, m.SKU).Scan(&current)
		if errors.Is(err, pgx.ErrNoRows) {
			o := Outcome{Kind: "invalid", Reason: "unknown sku " + m.SKU}
			return o, s.record(ctx, s.pool, m.ID, o)
		}
		if err != nil {
			return Outcome{}, err
		}
	}
	// BUG: a sale larger than the stock is applied anyway: stock goes negative and the sale is recorded as applied instead of rejected
	next := current + m.Delta
	// BUG: the new stock is computed here and written back, so concurrent adjustments of one SKU on other replicas overwrite each other: lost updates
	if _, err := s.pool.Exec(ctx, `UPDATE products SET stock = $2 WHERE sku = $1`, m.SKU, next); err != nil {
		return Outcome{}, err
	}
	s.cache.put(m.SKU, next)
	// BUG: the outcome row is written in its own statement after the stock change was committed: a replica killed (or a connection dropped) in between leaves an applied effect with no outcome, and the redelivery applies it again
	return applied, s.record(ctx, s.pool, m.ID, applied)
}

func (s *Store) order(ctx context.Context, m *Message) (Outcome, error) {
	// BUG: order ids are remembered only in this process: an order delivered again to another replica or after a restart is applied (and recorded) a second time
	s.seenMu.Lock()
	if s.seenOrders[m.ID] {
		s.seenMu.Unlock()
		return duplicate, nil
	}
	s.seenOrders[m.ID] = true
	s.seenMu.Unlock()

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return Outcome{}, err
	}
	// BUG: the transaction runs at the default isolation (READ COMMITTED) and checks every line with a plain read before decrementing: two concurrent orders both pass the check on the same units and drive the stock negative
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return Outcome{}, err
	}
	levels := make([]int, len(m.Lines))
	for i, line := range m.Lines {
		var level int
		err := tx.QueryRow(ctx, `SELECT stock FROM products WHERE sku = $1`, line.SKU).Scan(&level)
		if errors.Is(err, pgx.ErrNoRows) {
			_ = tx.Rollback(ctx)
			// BUG: the connection is never released when an order names an unknown SKU: after ten such orders the pool is empty and every partition of the replica stops
			o := Outcome{Kind: "invalid", Reason: "unknown sku " + line.SKU}
			return o, s.record(ctx, s.pool, m.ID, o)
		}
		if err != nil {
			_ = tx.Rollback(ctx)
			conn.Release()
			return Outcome{}, err
		}
		if level < line.Quantity {
			_ = tx.Rollback(ctx)
			conn.Release()
			o := Outcome{Kind: "rejected", Reason: "insufficient stock for " + line.SKU}
			return o, s.record(ctx, s.pool, m.ID, o)
		}
		levels[i] = level
	}
	// BUG: the rows are locked in the order the lines come in, so two orders naming the same SKUs in opposite orders deadlock; the loser is recorded as rejected although it had stock, and never retried
	for i, line := range m.Lines {
		// BUG: each line's new stock is the level read above minus the quantity, written back: an adjustment or order of that SKU committed in between is overwritten (lost update)
		if _, err := tx.Exec(ctx, `UPDATE products SET stock = $2 WHERE sku = $1`, line.SKU, levels[i]-line.Quantity); err != nil {
			_ = tx.Rollback(ctx)
			conn.Release()
			o := Outcome{Kind: "rejected", Reason: "could not update " + line.SKU + ": " + err.Error()}
			return o, s.record(ctx, s.pool, m.ID, o)
		}
	}
	if err := s.record(ctx, tx, m.ID, applied); err != nil {
		_ = tx.Rollback(ctx)
		conn.Release()
		return Outcome{}, err
	}
	err = tx.Commit(ctx)
	conn.Release()
	if err == nil {
		for _, line := range m.Lines {
			if level, ok := s.cache.get(line.SKU); ok {
				s.cache.put(line.SKU, level-line.Quantity)
			}
		}
	}
	return applied, err
}

// RecordInvalid records an invalid message.
func (s *Store) RecordInvalid(ctx context.Context, id, reason string) (Outcome, error) {
	o := Outcome{Kind: "invalid", Reason: reason}
	return o, s.record(ctx, s.pool, id, o)
}
