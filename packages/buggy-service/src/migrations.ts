import type pg from 'pg';

/** Any constant works; it only has to be the same for every replica. */
const MIGRATION_LOCK_KEY = 727_274_001;

/**
 * The service's own additions to the grader's schema. Idempotent, and serialised by an
 * advisory lock because every replica runs them at the same moment.
 */
export const MIGRATIONS: readonly string[] = [
  // Makes the "already processed?" lookup by message id fast.
  'CREATE INDEX IF NOT EXISTS message_outcomes_message_id_idx ON message_outcomes (message_id)',
];

export async function runMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    for (const statement of MIGRATIONS) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
