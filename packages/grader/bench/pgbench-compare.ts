import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReplicas } from '../src/engine/drive.ts';
import { System } from '../src/engine/system.ts';
import type { InfraEndpoints } from '../src/infra/infra.ts';
import { LocalInfra } from '../src/infra/local-infra.ts';
import { resolveTarget } from '../src/target/target-spec.ts';
import { restock } from '../src/workloads/messages.ts';
import { roundRobin } from '../src/workloads/plan.ts';
import { graderClientId } from '../src/infra/kafka/client-quotas.ts';

const SKUS = Array.from({ length: 300 }, (_, i) => `PB${i + 1}`);
/** The reference fix keeps up to 8 partitions in flight per replica, each on its own connection. */
const CONNECTIONS = 8;
/** About 10 s of consumption, as long as pgbench runs. */
const MESSAGES = 40_000;
/** The steady-state rate is taken between these fractions of the outcomes (by their own time). */
const STEADY_FROM = 0.1;
const STEADY_TO = 0.9;

/** The reference fix's SQL for one adjustment (packages/reference-fix/src/repository.ts), as a pgbench script. */
const SCRIPT = `\\set sku random(1, ${SKUS.length})
\\set n random(1, 9000000000000000)
WITH adjusted AS (UPDATE products SET stock = stock + 1 WHERE sku = 'PB' || :sku AND stock + 1 >= 0 RETURNING sku),
result AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM adjusted) THEN 'applied' WHEN EXISTS (SELECT 1 FROM products WHERE sku = 'PB' || :sku) THEN 'rejected' ELSE 'invalid' END AS outcome)
INSERT INTO message_outcomes (message_id, outcome, reason, instance_id)
SELECT 'pgb-' || :client_id || '-' || :n, outcome, CASE outcome WHEN 'rejected' THEN 'insufficient stock for PB' || :sku WHEN 'invalid' THEN 'unknown sku PB' || :sku END, 'pgbench'
FROM result RETURNING outcome, reason;
`;

export interface PgbenchRound {
  /** Steady state: outcomes between STEADY_FROM and STEADY_TO of the run, by recorded_at. */
  readonly referenceMsgPerS: number;
  /** First outcome to last: includes the replica's warm-up (JIT, pool) and its drain tail. */
  readonly referenceWholeMsgPerS: number;
  readonly pgbenchTps: number;
  readonly ratio: number;
}

export interface PgbenchComparison {
  readonly rounds: readonly PgbenchRound[];
  /** The round with the median ratio. */
  readonly median: PgbenchRound;
}

/**
 * The reference fix (1 replica, 8 partitions, no added latency) against pgbench running the
 * same statements with the same number of connections on the same database, both as rates in
 * steady state. One round measures both, one after the other, in a fresh namespace; single
 * rounds vary by up to +-8 % on this machine, so several are taken and the median reported.
 */
export async function comparePgbench(rounds = 5): Promise<PgbenchComparison> {
  const infra = await new LocalInfra({}).start();
  const dir = mkdtempSync(join(tmpdir(), 'grader-bench-pgbench-'));
  try {
    const script = join(dir, 'adjust.sql');
    writeFileSync(script, SCRIPT);
    const measured: PgbenchRound[] = [];
    for (let round = 1; round <= rounds; round++) measured.push(await measureRound(infra.endpoints, dir, script, round));
    const sorted = [...measured].sort((a, b) => a.ratio - b.ratio);
    return { rounds: measured, median: sorted[Math.floor(sorted.length / 2)] ?? measured[0]! };
  } finally {
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureRound(endpoints: InfraEndpoints, dir: string, script: string, round: number): Promise<PgbenchRound> {
  const ctx = { endpoints, graderClientId: graderClientId(), target: resolveTarget('reference-fix'), seed: round, runDir: join(dir, `round-${round}`), selected: [] };
  const system = await System.create(ctx, { scenario: 'pgbench', partitions: CONNECTIONS, products: Object.fromEntries(SKUS.map((s) => [s, 1000])) });
  try {
    const messages = Array.from({ length: MESSAGES }, (_, i) => restock(`pb-${i}`, SKUS[i % SKUS.length] ?? 'PB1', 1));
    // A backlog produced before the replica starts, timed by the outcomes' own clock_timestamp():
    // the rate is consumption alone, free of produce time and group join.
    await system.produce(roundRobin(messages, CONNECTIONS));
    await startReplicas(system, 1);
    // Each partition is consumed in order, so once its last message has an outcome, all of them
    // have; polled by primary key, so the poll costs the measured database next to nothing.
    const last = messages.slice(-CONNECTIONS).map((m) => m.id);
    const deadline = Date.now() + 120_000;
    while ((await system.countWithOutcome(last)) < last.length) {
      if (Date.now() > deadline) throw new Error(`pgbench comparison: the reference fix did not process ${MESSAGES} messages within 120 s`);
      await sleep(200);
    }
    const { rows: counted } = await system.db.query<{ n: string }>('SELECT count(*) AS n FROM message_outcomes');
    if (Number(counted[0]?.n) !== MESSAGES) throw new Error(`pgbench comparison: the reference fix recorded ${counted[0]?.n} outcomes for ${MESSAGES} messages`);
    // The first second of a replica is warm-up (JIT, connections) and its last partitions drain
    // one by one; pgbench's tps likewise leaves out its connection set-up.
    const { rows } = await system.db.query<{ whole: number; steady: number }>(
      `SELECT extract(epoch FROM max(recorded_at) - min(recorded_at))::float8 AS whole,
              extract(epoch FROM percentile_disc($2::float8) WITHIN GROUP (ORDER BY recorded_at)
                               - percentile_disc($1::float8) WITHIN GROUP (ORDER BY recorded_at))::float8 AS steady
         FROM message_outcomes`,
      [STEADY_FROM, STEADY_TO],
    );
    const referenceWholeMsgPerS = (MESSAGES - 1) / (rows[0]?.whole ?? NaN);
    const referenceMsgPerS = ((STEADY_TO - STEADY_FROM) * MESSAGES) / (rows[0]?.steady ?? NaN);
    await system.replicas.killAll();
    const out = execFileSync('pgbench', ['-n', '-M', 'extended', '-c', String(CONNECTIONS), '-j', '2', '-T', '10', '-f', script, system.ns.targetUrl], { encoding: 'utf8' });
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
    return { referenceMsgPerS, referenceWholeMsgPerS, pgbenchTps: tps, ratio: referenceMsgPerS / tps };
  } finally {
    await system.close();
  }
}
