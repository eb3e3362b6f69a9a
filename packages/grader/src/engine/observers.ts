import { stockEffects, type ContractMessage } from '../workloads/messages.ts';
import type { System } from './system.ts';

/** Something that samples the system while the target works; `stop()` returns what it saw. */
abstract class Sampler<T> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  samples = 0;

  constructor(private readonly intervalMs: number) {}

  start(): this {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        await this.sample();
        this.samples += 1;
      } catch {
        // A failed sample (e.g. during teardown) is simply not counted.
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => {
          this.running = tick();
        }, this.intervalMs);
      }
    };
    this.running = tick();
    return this;
  }

  protected abstract sample(): Promise<void>;
  protected abstract result(): T;

  async stop(): Promise<T> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    // The last sample counts like every other, so "N of M samples" never has N > M.
    await this.sample()
      .then(() => {
        this.samples += 1;
      })
      .catch(() => undefined);
    return this.result();
  }
}

/** What StockSampler saw. */
export interface StockObservation {
  readonly samples: number;
  /** Lowest stock seen per SKU, in any sample. */
  readonly minStock: ReadonlyMap<string, number>;
  /** Samples in which some SKU's stock differed from seed + effects of the applied outcomes visible in the same snapshot. */
  readonly inconsistentSamples: number;
  /** One example, e.g. "SKU-3: stock 7 but applied outcomes say 9". */
  readonly example?: string;
}

/**
 * Reads products and the applied outcomes together in one REPEATABLE READ snapshot, every
 * `intervalMs`. A target whose outcome row and stock change commit atomically is consistent
 * in every snapshot; stock is never negative in any.
 */
export class StockSampler extends Sampler<StockObservation> {
  private readonly minStock = new Map<string, number>();
  private inconsistent = 0;
  private example?: string;

  constructor(
    private readonly system: System,
    private readonly messages: ReadonlyMap<string, ContractMessage>,
    intervalMs = 25,
  ) {
    super(intervalMs);
  }

  protected async sample(): Promise<void> {
    const client = await this.system.db.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const stock = await client.query<{ sku: string; stock: number }>('SELECT sku, stock FROM products');
      const applied = await client.query<{ message_id: string; n: string }>(
        "SELECT message_id, count(*) AS n FROM message_outcomes WHERE outcome = 'applied' GROUP BY message_id",
      );
      await client.query('COMMIT');
      const expected = new Map(this.system.seedStock);
      for (const row of applied.rows) {
        const message = this.messages.get(row.message_id);
        if (!message) continue;
        for (const [sku, delta] of stockEffects(message)) expected.set(sku, (expected.get(sku) ?? 0) + delta * Number(row.n));
      }
      let mismatch: string | undefined;
      for (const { sku, stock: value } of stock.rows) {
        this.minStock.set(sku, Math.min(this.minStock.get(sku) ?? value, value));
        const want = expected.get(sku);
        if (mismatch === undefined && want !== undefined && want !== value) mismatch = `${sku}: stock ${value} but its applied outcomes say ${want}`;
      }
      if (mismatch) {
        this.inconsistent += 1;
        this.example ??= mismatch;
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  protected result(): StockObservation {
    return {
      samples: this.samples,
      minStock: this.minStock,
      inconsistentSamples: this.inconsistent,
      ...(this.example ? { example: this.example } : {}),
    };
  }
}

/** What OffsetSampler saw. */
export interface OffsetObservation {
  readonly samples: number;
  /** Samples where a committed offset covered a message that had no outcome yet. */
  readonly aheadSamples: number;
  readonly example?: string;
}

/**
 * Reads the group's committed offsets, THEN the outcomes: every message below a committed
 * offset must already have its outcome (the contract's "commit only after durable").
 */
export class OffsetSampler extends Sampler<OffsetObservation> {
  private ahead = 0;
  private example?: string;

  constructor(private readonly system: System, intervalMs = 100) {
    super(intervalMs);
  }

  protected async sample(): Promise<void> {
    const committed = await this.system.committedOffsets();
    const covered = this.system.placements.filter((p) => p.offset < (committed.get(p.partition) ?? -1));
    if (covered.length === 0) return;
    const missing = await this.system.missingOutcomes([...new Set(covered.map((p) => p.id))]);
    if (missing.length > 0) {
      this.ahead += 1;
      const first = covered.find((p) => p.id === missing[0]);
      this.example ??= `partition ${first?.partition} committed offset ${committed.get(first?.partition ?? -1)} while the message at offset ${first?.offset} (${missing[0]}) had no outcome (${missing.length} such message(s) in that sample)`;
    }
  }

  protected result(): OffsetObservation {
    return { samples: this.samples, aheadSamples: this.ahead, ...(this.example ? { example: this.example } : {}) };
  }
}
