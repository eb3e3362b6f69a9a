import pg from 'pg';
import type { Config } from './config.ts';
import { errorMessage } from './logger.ts';
import { Mutex } from './mutex.ts';
import type { OrderLine } from './validation.ts';

export type Outcome = 'applied' | 'rejected' | 'invalid';

export interface OutcomeRecord {
  readonly outcome: Outcome;
  readonly reason: string | null;
}

const applied: OutcomeRecord = { outcome: 'applied', reason: null };

/** Big orders are split so that no transaction holds more than this many row locks. */
export const MAX_LINES_PER_TRANSACTION = 10;

export function createPool(config: Config): pg.Pool {
  return new pg.Pool({
    connectionString: config.databaseUrl,
    application_name: `inventory-${config.instanceId}`,
    max: 10,
    keepAlive: true,
  });
}

/** Stock changes: adjustments and orders. */
export class InventoryRepository {
  // BUG: every adjustment of every product waits for this one lock, so a replica applies one adjustment at a time however many SKUs and partitions it has (and the lock does nothing against other replicas)
  private readonly inventoryLock = new Mutex();
  private readonly stockCache = new Map<string, number>();

  constructor(private readonly pool: pg.Pool) {}

  async adjustStock(sku: string, delta: number): Promise<OutcomeRecord> {
    return this.inventoryLock.runExclusive(async () => {
      // BUG: BEGIN and COMMIT run on a checked-out client but the statements between them go through the pool, i.e. on other connections, each committing on its own: the transaction holds nothing together (a row lock a statement takes is released at once)
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        // BUG: stock is read from a per-process cache that never sees orders or other replicas, so adjustments overwrite their changes with stale numbers
        let current = this.stockCache.get(sku);
        if (current === undefined) {
          const [row] = (await this.pool.query<{ stock: number }>('SELECT stock FROM products WHERE sku = $1', [sku])).rows;
          if (!row) {
            await client.query('ROLLBACK');
            return { outcome: 'invalid', reason: `unknown sku ${sku}` };
          }
          current = row.stock;
        }
        // BUG: a sale larger than the stock is applied anyway: stock goes negative and the sale is recorded as applied instead of rejected
        // BUG: the new stock is computed in the application and written back, so concurrent adjustments of one SKU (other partitions, other replicas) overwrite each other: lost updates
        const next = current + delta;
        await this.pool.query('UPDATE products SET stock = $2 WHERE sku = $1', [sku, next]);
        await client.query('COMMIT');
        this.stockCache.set(sku, next);
        return applied;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    });
  }

  async placeOrder(lines: readonly OrderLine[]): Promise<OutcomeRecord> {
    // BUG: an order with more than 10 lines is applied in several transactions: when a later part is rejected or fails, the earlier lines stay applied (a rejected order that still took stock)
    for (let start = 0; start < lines.length; start += MAX_LINES_PER_TRANSACTION) {
      const result = await this.placeOrderLines(lines.slice(start, start + MAX_LINES_PER_TRANSACTION));
      if (result.outcome !== 'applied') return result;
    }
    return applied;
  }

  private async placeOrderLines(lines: readonly OrderLine[]): Promise<OutcomeRecord> {
    // BUG: when the database drops a connection while an order holds it (e.g. pg_terminate_backend), nothing listens for the client's 'error' event and the whole replica crashes
    const client = await this.pool.connect();
    await client.query('BEGIN');
    // BUG: the stock of every line is checked with a plain read and decremented afterwards; under the default isolation two concurrent orders both pass the check on the same units and drive the stock negative
    const { rows } = await client.query<{ sku: string; stock: number }>('SELECT sku, stock FROM products WHERE sku = ANY($1::text[])', [
      lines.map((line) => line.sku),
    ]);
    const stock = new Map(rows.map((row) => [row.sku, row.stock]));
    const unknown = lines.find((line) => !stock.has(line.sku));
    if (unknown) {
      await client.query('ROLLBACK');
      // BUG: every order naming an unknown SKU keeps one database connection forever; after ten of them the replica blocks on the exhausted pool and stops processing every partition
      return { outcome: 'invalid', reason: `unknown sku ${unknown.sku}` };
    }
    const short = lines.find((line) => (stock.get(line.sku) ?? 0) < line.quantity);
    if (short) {
      await client.query('ROLLBACK');
      client.release();
      return { outcome: 'rejected', reason: `insufficient stock for ${short.sku}` };
    }
    try {
      for (const line of lines) {
        await client.query('UPDATE products SET stock = stock - $2 WHERE sku = $1', [line.sku, line.quantity]);
      }
      await client.query('COMMIT');
      return applied;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // BUG: when concurrent orders deadlock (or hit a serialization failure) under load, a valid order with enough stock is recorded as rejected and never retried
      return { outcome: 'rejected', reason: `order could not be applied: ${errorMessage(error)}` };
    } finally {
      client.release();
    }
  }
}

/** The outcome ledger (message_outcomes). */
export class OutcomeLedger {
  constructor(
    private readonly pool: pg.Pool,
    private readonly instanceId: string,
  ) {}

  async exists(messageId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM message_outcomes WHERE message_id = $1', [messageId]);
    return (rowCount ?? 0) > 0;
  }

  async record(messageId: string, outcome: OutcomeRecord): Promise<void> {
    await this.pool.query('INSERT INTO message_outcomes (message_id, outcome, reason, instance_id) VALUES ($1, $2, $3, $4)', [
      messageId,
      outcome.outcome,
      outcome.reason,
      this.instanceId,
    ]);
  }
}
