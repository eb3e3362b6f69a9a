-- Tables the grader owns (docs/CONTRACT.md section 5). The grader runs this file on the fresh
-- database of every run, then seeds products, before any replica starts.
-- Deliberately WITHOUT a CHECK on stock and WITHOUT a UNIQUE on message_id: negative stock and
-- duplicate outcome rows must stay visible to the grader. Targets may add their own.

CREATE TABLE IF NOT EXISTS products (
  sku   text PRIMARY KEY,
  stock integer NOT NULL
);

CREATE TABLE IF NOT EXISTS message_outcomes (
  message_id  text NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('applied', 'rejected', 'invalid')),
  reason      text,
  instance_id text,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
