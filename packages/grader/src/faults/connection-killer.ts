import type pg from 'pg';

/**
 * Terminates every backend the target's role holds on `database` (the grader's own connections
 * are the superuser's), as a failover or an admin would: the target must reconnect, retry what
 * was in flight, and neither lose nor double-apply a message.
 */
export async function terminateTargetConnections(admin: pg.ClientBase, database: string, role: string): Promise<number> {
  const { rows } = await admin.query<{ terminated: boolean }>(
    `SELECT pg_terminate_backend(pid) AS terminated
       FROM pg_stat_activity
      WHERE datname = $1
        AND pid <> pg_backend_pid()
        AND backend_type = 'client backend'
        AND usename = $2`,
    [database, role],
  );
  return rows.filter((r) => r.terminated).length;
}
