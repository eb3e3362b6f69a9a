package main

import (
	"context"
	"errors"
	"fmt"
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

// migrationLockKey is any constant shared by every replica.
const migrationLockKey = 727_274_001

// migrations are the target's own additions to the grader's schema (CONTRACT section 5).
var migrations = []string{
	// One outcome per message id: the deduplication point.
	`CREATE UNIQUE INDEX IF NOT EXISTS message_outcomes_message_id_key ON message_outcomes (message_id)`,
}

const (
	// sqlAdjust applies an adjustment in ONE autocommitted statement: the guarded UPDATE (0 rows:
	// unknown SKU or not enough stock) and the outcome row commit together or not at all. A
	// second delivery hits the unique index (23505), which aborts the statement, UPDATE included.
	sqlAdjust = `WITH adjusted AS (
  UPDATE products SET stock = stock + $3::integer WHERE sku = $2::text AND stock + $3::integer >= 0 RETURNING sku
), result AS (
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM adjusted) THEN 'applied'
    WHEN EXISTS (SELECT 1 FROM products WHERE sku = $2::text) THEN 'rejected'
    ELSE 'invalid'
  END AS outcome
)
INSERT INTO message_outcomes (message_id, outcome, reason, instance_id)
SELECT $1::text, outcome, CASE outcome
    WHEN 'rejected' THEN 'insufficient stock for ' || $2::text
    WHEN 'invalid' THEN 'unknown sku ' || $2::text
  END, $4::text
FROM result
RETURNING outcome, coalesce(reason, '')`
	// sqlClaim claims the message id; 0 rows means another delivery already recorded it.
	sqlClaim = `INSERT INTO message_outcomes (message_id, outcome, reason, instance_id)
VALUES ($1, $2, NULLIF($3, ''), $4)
ON CONFLICT (message_id) DO NOTHING`
	sqlSetOutcome = `UPDATE message_outcomes SET outcome = $2, reason = $3 WHERE message_id = $1`
	// sqlLockProducts takes the row locks in one global order (by SKU): two orders never deadlock.
	sqlLockProducts = `SELECT sku, stock FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`
	sqlDecrement    = `UPDATE products AS p SET stock = p.stock - l.quantity
FROM unnest($1::text[], $2::integer[]) AS l (sku, quantity)
WHERE p.sku = l.sku`
)

// Store applies messages to PostgreSQL.
type Store struct {
	pool       *pgxpool.Pool
	instanceID string
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
	return &Store{pool: pool, instanceID: cfg.InstanceID}, nil
}

// Close waits for connections in use and closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Migrate runs the migrations, serialised by an advisory lock: every replica starts at once.
func (s *Store) Migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
			return err
		}
		for _, statement := range migrations {
			if _, err := tx.Exec(ctx, statement); err != nil {
				return err
			}
		}
		return nil
	})
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// Apply records the outcome of one valid message, and its effect, in one transaction.
func (s *Store) Apply(ctx context.Context, m *Message) (Outcome, error) {
	if m.Type == "adjust" {
		return s.adjust(ctx, m)
	}
	var result Outcome
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		result, err = s.order(ctx, tx, m)
		return err
	})
	return result, err
}

func (s *Store) adjust(ctx context.Context, m *Message) (Outcome, error) {
	var result Outcome
	err := s.pool.QueryRow(ctx, sqlAdjust, m.ID, m.SKU, m.Delta, s.instanceID).Scan(&result.Kind, &result.Reason)
	if isUniqueViolation(err) {
		return duplicate, nil
	}
	return result, err
}

// order claims the id, locks and checks every line, decrements them all (or nothing) and
// corrects the claimed outcome if it was not applied, all inside the caller's transaction.
func (s *Store) order(ctx context.Context, tx pgx.Tx, m *Message) (Outcome, error) {
	claimed, err := tx.Exec(ctx, sqlClaim, m.ID, "applied", "", s.instanceID)
	if err != nil {
		return Outcome{}, err
	}
	if claimed.RowsAffected() == 0 {
		return duplicate, nil
	}
	skus := make([]string, len(m.Lines))
	quantities := make([]int32, len(m.Lines))
	for i, line := range m.Lines {
		skus[i], quantities[i] = line.SKU, int32(line.Quantity)
	}
	rows, err := tx.Query(ctx, sqlLockProducts, skus)
	if err != nil {
		return Outcome{}, err
	}
	stock := make(map[string]int, len(skus))
	var sku string
	var level int
	if _, err := pgx.ForEachRow(rows, []any{&sku, &level}, func() error { stock[sku] = level; return nil }); err != nil {
		return Outcome{}, err
	}
	result := applied
	for _, line := range m.Lines {
		level, known := stock[line.SKU]
		if !known {
			result = Outcome{Kind: "invalid", Reason: "unknown sku " + line.SKU}
			break
		}
		if level < line.Quantity && result.Kind == "applied" {
			result = Outcome{Kind: "rejected", Reason: "insufficient stock for " + line.SKU}
		}
	}
	if result.Kind == "applied" {
		_, err = tx.Exec(ctx, sqlDecrement, skus, quantities)
	} else {
		_, err = tx.Exec(ctx, sqlSetOutcome, m.ID, result.Kind, result.Reason)
	}
	return result, err
}

// RecordInvalid records an invalid message (one autocommitted statement; duplicates are ignored).
func (s *Store) RecordInvalid(ctx context.Context, id, reason string) (Outcome, error) {
	claimed, err := s.pool.Exec(ctx, sqlClaim, id, "invalid", reason, s.instanceID)
	if err != nil {
		return Outcome{}, err
	}
	if claimed.RowsAffected() == 0 {
		return duplicate, nil
	}
	return Outcome{Kind: "invalid", Reason: reason}, nil
}
