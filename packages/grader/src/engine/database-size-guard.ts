import type pg from 'pg';

/** The most a target's database may hold while a scenario runs; the reference's stays under 10 MB. */
export const TARGET_DATABASE_CAP_BYTES = 256 * 1024 * 1024;

/** How often the size is looked at: a target writing as fast as it can overshoots by about one interval's writes. */
export const DATABASE_SIZE_INTERVAL_MS = 1_000;

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

/**
 * Watches the size of a namespace's database while its scenario runs (the server's disk is the
 * machine's). Past the cap, `violation` says so with the size and `onExceeded` runs (the scenario
 * kills the target's replicas and cuts its connections, again at each later look while it is still
 * over); the database itself is dropped with the namespace when the scenario closes.
 */
export class DatabaseSizeGuard {
  /** Why the target failed, once it grew past the cap. */
  violation: string | undefined;
  /** The largest size seen, in bytes. */
  largest = 0;
  private timer: NodeJS.Timeout | undefined;
  private looking = false;

  constructor(
    private readonly db: Pick<pg.Pool, 'query'>,
    private readonly database: string,
    private readonly onExceeded: () => Promise<void>,
    private readonly capBytes = TARGET_DATABASE_CAP_BYTES,
    private readonly intervalMs = DATABASE_SIZE_INTERVAL_MS,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.look(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** One look (also what the timer runs); a failed query proves nothing and is ignored. */
  async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      const { rows } = await this.db.query<{ size: string }>('SELECT pg_database_size($1)::text AS size', [this.database]);
      const size = Number(rows[0]?.size ?? 0);
      this.largest = Math.max(this.largest, size);
      if (size <= this.capBytes) return;
      this.violation ??= `the target's database grew to ${mb(size)} MB, past its cap of ${mb(this.capBytes)} MB: its replicas were killed and the database dropped`;
      await this.onExceeded();
    } catch {
      // The pool is closing, or the server is busy: the next look decides.
    } finally {
      this.looking = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
