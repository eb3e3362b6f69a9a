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
  /** Claims the message id; 0 rows means another delivery already recorded it. */
  claim: `INSERT INTO message_outcomes (message_id, outcome, reason, instance_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (message_id) DO NOTHING`,
  /** Rewrites the outcome of the row this transaction has just claimed. */
  setOutcome: `UPDATE message_outcomes SET outcome = $2, reason = $3 WHERE message_id = $1`,
  /** Atomic check-and-act: 0 rows means unknown SKU or not enough stock. */
  adjustStock: `UPDATE products SET stock = stock + $2 WHERE sku = $1 AND stock + $2 >= 0 RETURNING stock`,
  productExists: `SELECT 1 FROM products WHERE sku = $1`,
  /** Row locks in one global order (by SKU) so two orders can never deadlock each other. */
  lockProducts: `SELECT sku, stock FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
  decrementLines: `UPDATE products AS p SET stock = p.stock - l.quantity
FROM unnest($1::text[], $2::integer[]) AS l (sku, quantity)
WHERE p.sku = l.sku`,
} as const;

const applied: OutcomeRecord = { outcome: 'applied', reason: null };

async function adjust(sql: Sql, message: AdjustMessage): Promise<OutcomeRecord> {
  const updated = await sql.query(SQL.adjustStock, [message.sku, message.delta]);
  if (updated.rowCount === 1) return applied;
  const exists = await sql.query(SQL.productExists, [message.sku]);
  return exists.rowCount === 0
    ? { outcome: 'invalid', reason: `unknown sku ${message.sku}` }
    : { outcome: 'rejected', reason: `insufficient stock for ${message.sku}` };
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
 * Applies one valid message inside the caller's transaction: claim the id, apply the effect
 * (or nothing), and correct the claimed outcome if it was not applied. Everything commits or
 * rolls back together, so the outcome row and the stock change are never seen apart.
 */
export async function applyMessage(sql: Sql, message: InventoryMessage, instanceId: string): Promise<ApplyResult> {
  const claimed = await sql.query(SQL.claim, [message.id, 'applied', null, instanceId]);
  if (claimed.rowCount === 0) return { outcome: 'duplicate' };
  const result = message.type === 'adjust' ? await adjust(sql, message) : await order(sql, message);
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
 * Runs `fn` in one transaction on ONE pooled connection, always returning it to the pool.
 * While checked out, a client whose connection dies emits 'error' (e.g. after
 * pg_terminate_backend); the listener keeps that from crashing the process and marks the
 * client as broken so it is discarded instead of being reused.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failure: unknown;
  const onError = (error: Error): void => {
    failure ??= error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    failure ??= error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(failure !== undefined && isConnectionError(failure));
  }
}

export class InventoryRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly instanceId: string,
  ) {}

  apply(message: InventoryMessage): Promise<ApplyResult> {
    return inTransaction(this.pool, (sql) => applyMessage(sql, message, this.instanceId));
  }

  /** A single autocommitted statement: pool.query returns (or discards) its connection itself. */
  recordInvalid(id: string, reason: string): Promise<ApplyResult> {
    return recordInvalid(this.pool, id, reason, this.instanceId);
  }
}
