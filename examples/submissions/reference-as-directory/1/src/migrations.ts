import type pg from 'pg';
import { inTransaction } from './repository.ts';

/** Any constant works; it only has to be the same for every replica. */
const MIGRATION_LOCK_KEY = 727_274_001;

/**
 * The target's own additions to the grader's schema (docs/CONTRACT.md section 5). Idempotent,
 * and serialised by an advisory lock because every replica runs them at the same moment.
 */
export const MIGRATIONS: readonly string[] = [
  // One outcome per message id: the deduplication point (an order's ON CONFLICT claim, an adjustment's 23505).
  'CREATE UNIQUE INDEX IF NOT EXISTS message_outcomes_message_id_key ON message_outcomes (message_id)',
];

export async function runMigrations(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    for (const statement of MIGRATIONS) await sql.query(statement);
  });
}
