import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/**
 * Holds row locks on some products from the grader's own connection, so that the target's
 * transactions that need those rows queue up behind it, then lets them all go at once. Used to
 * line transactions up deterministically (e.g. crossed orders that must overlap) instead of
 * hoping that two replicas start at the same moment.
 */
export class RowGate {
  private constructor(
    private readonly client: pg.PoolClient,
    private readonly closedAt: number,
  ) {}

  /** Locks the rows of `skus` (FOR UPDATE) in one open transaction. */
  static async close(pool: pg.Pool, skus: readonly string[]): Promise<RowGate> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT sku FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE', [skus]);
      return new RowGate(client, Date.now());
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Target backends of this database waiting for a lock (on the gate or on each other). */
  async waiting(): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'
          AND coalesce(application_name, '') NOT LIKE 'grader%'`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Waits until at least `waiters` target backends wait for a lock, or `timeoutMs`; returns how many do. */
  async waitFor(waiters: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let waiting = await this.waiting();
    while (waiting < waiters && Date.now() < deadline) {
      await sleep(20);
      waiting = await this.waiting();
    }
    return waiting;
  }

  /** Releases the rows; returns how long the gate was closed. */
  async open(): Promise<number> {
    try {
      await this.client.query('COMMIT');
      this.client.release();
    } catch (error) {
      this.client.release(true);
      throw error;
    }
    return Date.now() - this.closedAt;
  }

  /** `waitFor`, then `open`. */
  async openWhen(waiters: number, timeoutMs: number): Promise<{ waiting: number; heldMs: number }> {
    const waiting = await this.waitFor(waiters, timeoutMs);
    return { waiting, heldMs: await this.open() };
  }
}
