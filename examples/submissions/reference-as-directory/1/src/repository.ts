import pg from 'pg';
import type { Config } from './config.ts';
import { isConnectionError } from './retry.ts';
import type { AdjustMessage, InventoryMessage, OrderMessage } from './validation.ts';

export type Outcome = 'applied' | 'rejected' | 'invalid';

export interface OutcomeRecord {
  readonly outcome: Outcome;
  readonly reason: string | null;
}

/** What applying a message did; `duplicate` means its id already had an outcome. */
export type ApplyResult = OutcomeRecord | { readonly outcome: 'duplicate' };

/** The part of a pg client the SQL below needs (a PoolClient or Pool, or a fake in tests). */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export const SQL = {
  /**
   * An adjustment in ONE autocommitted statement: the guarded UPDATE (0 rows: unknown SKU or not
   * enough stock) and the outcome row commit together or not at all. There is no ON CONFLICT: a
   * second delivery hits the unique index (23505), which aborts the statement, UPDATE included.
   */
  adjust: `WITH adjusted AS (
  UPDATE products SET stock = stock + $3 WHERE sku = $2 AND stock + $3 >= 0 RETURNING sku
), result AS (
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM adjusted) THEN 'applied'
    WHEN EXISTS (SELECT 1 FROM products WHERE sku = $2) THEN 'rejected'
    ELSE 'invalid'
  END AS outcome
)
INSERT INTO message_outcomes (message_id, outcome, reason, instance_id)
SELECT $1::text, outcome, CASE outcome
    WHEN 'rejected' THEN 'insufficient stock for ' || $2
    WHEN 'invalid' THEN 'unknown sku ' || $2
  END, $4::text
FROM result
RETURNING outcome, reason`,
  /** Claims the message id; 0 rows means another delivery already recorded it. */
  claim: `INSERT INTO message_outcomes (message_id, outcome, reason, instance_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (message_id) DO NOTHING`,
  /** Rewrites the outcome of the row this transaction has just claimed. */
  setOutcome: `UPDATE message_outcomes SET outcome = $2, reason = $3 WHERE message_id = $1`,
  /** Row locks in one global order (by SKU) so two orders can never deadlock each other. */
  lockProducts: `SELECT sku, stock FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
  decrementLines: `UPDATE products AS p SET stock = p.stock - l.quantity
FROM unnest($1::text[], $2::integer[]) AS l (sku, quantity)
WHERE p.sku = l.sku`,
} as const;

const applied: OutcomeRecord = { outcome: 'applied', reason: null };

/** SQLSTATE unique_violation: here, only the unique index on message_outcomes (message_id). */
const UNIQUE_VIOLATION = '23505';

/**
 * Applies one valid adjustment in one autocommitted statement (SQL.adjust). A unique violation
 * means another delivery of the id already has an outcome; the statement, stock change
 * included, was rolled back.
 */
export async function applyAdjustment(sql: Sql, message: AdjustMessage, instanceId: string): Promise<ApplyResult> {
  try {
    const { rows } = await sql.query<{ outcome: Outcome; reason: string | null }>(SQL.adjust, [message.id, message.sku, message.delta, instanceId]);
    const row = rows[0];
    if (!row) throw new Error(`adjustment ${message.id}: the outcome INSERT returned no row`);
    return row.outcome === 'applied' ? applied : { outcome: row.outcome, reason: row.reason };
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return { outcome: 'duplicate' };
    throw error;
  }
}

async function order(sql: Sql, message: OrderMessage): Promise<OutcomeRecord> {
  const skus = message.lines.map((line) => line.sku);
  const locked = await sql.query<{ sku: string; stock: number }>(SQL.lockProducts, [skus]);
  const stock = new Map(locked.rows.map((row) => [row.sku, row.stock]));
  const unknown = message.lines.find((line) => !stock.has(line.sku));
  if (unknown) return { outcome: 'invalid', reason: `unknown sku ${unknown.sku}` };
  const short = message.lines.find((line) => (stock.get(line.sku) ?? 0) < line.quantity);
  if (short) return { outcome: 'rejected', reason: `insufficient stock for ${short.sku}` };
  await sql.query(SQL.decrementLines, [skus, message.lines.map((line) => line.quantity)]);
  return applied;
}

/**
 * Applies one order inside the caller's transaction: claim the id, lock and check every line,
 * decrement them all (or nothing), and correct the claimed outcome if it was not applied.
 * Everything commits or rolls back together, so the outcome row and the stock change are never
 * seen apart.
 */
export async function applyOrder(sql: Sql, message: OrderMessage, instanceId: string): Promise<ApplyResult> {
  const claimed = await sql.query(SQL.claim, [message.id, 'applied', null, instanceId]);
  if (claimed.rowCount === 0) return { outcome: 'duplicate' };
  const result = await order(sql, message);
  if (result.outcome !== 'applied') await sql.query(SQL.setOutcome, [message.id, result.outcome, result.reason]);
  return result;
}

/** Records an invalid message (one autocommitted statement; duplicates are ignored). */
export async function recordInvalid(sql: Sql, id: string, reason: string, instanceId: string): Promise<ApplyResult> {
  const claimed = await sql.query(SQL.claim, [id, 'invalid', reason, instanceId]);
  return claimed.rowCount === 0 ? { outcome: 'duplicate' } : { outcome: 'invalid', reason };
}

export function createPool(config: Config): pg.Pool {
  return new pg.Pool({
    connectionString: config.databaseUrl,
    application_name: `inventory-${config.instanceId}`,
    max: 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
}

/**
 * Runs `fn` on ONE pooled connection, always returning it to the pool. While checked out, a
 * client whose connection dies emits 'error' (e.g. after pg_terminate_backend); the listener
 * keeps that from crashing the process and marks the client as broken so it is discarded
 * instead of being reused.
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failure: unknown;
  const onError = (error: Error): void => {
    failure ??= error;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (error) {
    failure ??= error;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(failure !== undefined && isConnectionError(failure));
  }
}

/** Runs `fn` in one transaction (BEGIN ... COMMIT, or ROLLBACK on a throw) on one pooled connection. */
export function inTransaction<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

export class InventoryRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly instanceId: string,
  ) {}

  /** An adjustment is one statement and needs no transaction block; an order is several. */
  apply(message: InventoryMessage): Promise<ApplyResult> {
    if (message.type === 'adjust') return withClient(this.pool, (client) => applyAdjustment(client, message, this.instanceId));
    return inTransaction(this.pool, (sql) => applyOrder(sql, message, this.instanceId));
  }

  /** A single autocommitted statement: pool.query returns (or discards) its connection itself. */
  recordInvalid(id: string, reason: string): Promise<ApplyResult> {
    return recordInvalid(this.pool, id, reason, this.instanceId);
  }
}
