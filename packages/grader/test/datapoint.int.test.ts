/**
 * The datapoint end to end on real Kafka + PostgreSQL (LocalInfra): the reference fix ends with
 * exactly the expected stock and one outcome per message id under 3 concurrent replicas; the
 * buggy service, on the same seeded workload, breaks at least one invariant.
 *
 * Deterministic by construction: the workload comes from a fixed seed, everything is produced
 * or the moment all replicas are ready, and the expected result does not depend on processing order
 * (unit sales against scarce stock: exactly `stock` applied, final 0; everything else on SKUs
 * whose stock can never run out, or impossible on purpose).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedInfra } from '../src/infra/infra.ts';
import { LocalInfra } from '../src/infra/local-infra.ts';
import { Namespace, withKafkaAdmin } from '../src/infra/namespace.ts';
import {
  adjust,
  fallbackMessageId,
  invalidPayloads,
  order,
  stockEffects,
  toRecord,
  type ContractMessage,
  type Outcome,
} from '../src/workloads/messages.ts';
import { applyGraderSchema, seedProducts } from '../src/workloads/seed.ts';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const PARTITIONS = 6;
const REPLICAS = 3;
const SESSION_TIMEOUT_MS = 6000;

// ---------------------------------------------------------------------------------------------
// Workload

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  readonly message: ContractMessage;
  /** Copies are produced on distinct partitions (the same id delivered more than once). */
  readonly partitions: readonly number[];
  /** null: applied or rejected depending on order (scarce unit sales, judged by count). */
  readonly expected: Outcome | null;
}

interface Workload {
  readonly stock: Record<string, number>;
  readonly planned: readonly Planned[];
  /** Scarce SKU -> its seeded stock: exactly that many of its unit sales are applied. */
  readonly scarce: ReadonlyMap<string, number>;
}

function buildWorkload(seed: number): Workload {
  const rnd = mulberry32(seed);
  const int = (min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T,>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const partition = (): number => int(0, PARTITIONS - 1);
  const distinctPartitions = (n: number): number[] => {
    const all = Array.from({ length: PARTITIONS }, (_, i) => i).sort(() => rnd() - 0.5);
    return all.slice(0, n);
  };

  const ample = Array.from({ length: 15 }, (_, i) => `SKU-A${String(i).padStart(2, '0')}`);
  const scarceSkus = Array.from({ length: 5 }, (_, i) => `SKU-S${String(i).padStart(2, '0')}`);
  const stock: Record<string, number> = {};
  for (const sku of ample) stock[sku] = 10_000;
  const scarce = new Map<string, number>();
  for (const sku of scarceSkus) {
    const s = int(3, 8);
    stock[sku] = s;
    scarce.set(sku, s);
  }

  const planned: Planned[] = [];
  let n = 0;
  const id = (kind: string): string => `${kind}-${String(n++).padStart(4, '0')}`;
  const add = (message: ContractMessage, expected: Outcome | null, copies = 1): void => {
    planned.push({ message, expected, partitions: copies === 1 ? [partition()] : distinctPartitions(copies) });
  };

  // Scarce SKUs: unit sales (adjust -1 or one-line orders of 1) well beyond the stock, on every
  // partition at once -- the lost-update / negative-stock race in its purest form.
  for (const sku of scarceSkus) {
    const sales = (scarce.get(sku) ?? 0) * 3;
    for (let i = 0; i < sales; i++) {
      const message = rnd() < 0.7 ? adjust(id('sale'), sku, -1) : order(id('unit'), [{ sku, quantity: 1 }]);
      add(message, null, rnd() < 0.1 ? 2 : 1);
    }
  }
  // Ample SKUs: restocks, small sales and multi-line orders (some with reversed SKU pairs);
  // at most ~150 units can leave any SKU, so none of these can be rejected in any order.
  for (let i = 0; i < 160; i++) {
    const sku = pick(ample);
    const r = rnd();
    if (r < 0.35) add(adjust(id('restock'), sku, int(1, 20)), 'applied', rnd() < 0.15 ? 2 : 1);
    else if (r < 0.7) add(adjust(id('sale'), sku, -int(1, 3)), 'applied', rnd() < 0.15 ? 2 : 1);
    else {
      const skus = [...ample].sort(() => rnd() - 0.5).slice(0, int(2, 4));
      add(order(id('order'), skus.map((s) => ({ sku: s, quantity: int(1, 2) }))), 'applied', rnd() < 0.15 ? 2 : 1);
      add(order(id('order'), [...skus].reverse().map((s) => ({ sku: s, quantity: 1 }))), 'applied');
    }
  }
  // Impossible on purpose: rejected whole whatever the order.
  for (let i = 0; i < 4; i++) add(adjust(id('oversell'), pick(ample), -1_000_000), 'rejected');
  for (let i = 0; i < 3; i++) {
    const lines = [...ample].sort(() => rnd() - 0.5).slice(0, 12).map((sku) => ({ sku, quantity: 1 }));
    const last = lines[11];
    if (last) lines[11] = { sku: last.sku, quantity: 1_000_000 };
    add(order(id('bigorder'), lines), 'rejected');
  }
  return { stock, planned, scarce };
}

// ---------------------------------------------------------------------------------------------
// Running a target

interface Produced {
  /** Every id that must end with exactly one outcome, with the expectation. */
  readonly expected: Map<string, Outcome | null>;
  readonly messages: Map<string, ContractMessage>;
}

function emptyProduced(): Produced {
  return { expected: new Map(), messages: new Map() };
}

/** Produces `planned` (every copy on its partition) in one send, recording expectations. */
async function producePlanned(producer: Producer, topic: string, planned: readonly Planned[], into: Produced): Promise<void> {
  const batch: { key: string; value: string; partition: number }[] = [];
  for (const p of planned) {
    into.expected.set(p.message.id, p.expected);
    into.messages.set(p.message.id, p.message);
    for (const partition of p.partitions) {
      const record = toRecord(p.message, partition);
      batch.push({ key: record.key ?? '', value: record.value, partition });
    }
  }
  await producer.send({ topic, messages: batch });
}

/** Invalid payloads one by one, so the offset of those without a readable id is known. */
async function produceInvalid(producer: Producer, topic: string, into: Produced): Promise<void> {
  for (const [i, payload] of invalidPayloads('bad', 'SKU-A00').entries()) {
    const partition = i % PARTITIONS;
    const [meta] = await producer.send({ topic, messages: [{ key: 'SKU-A00', value: payload.value, partition }] });
    if (!meta) throw new Error('producer returned no metadata');
    into.expected.set(payload.id ?? fallbackMessageId(topic, partition, meta.baseOffset ?? '?'), 'invalid');
  }
}

/** Contract readiness: the group is Stable with one member per replica, each holding partitions. */
async function waitUntilReady(brokers: readonly string[], groupId: string, members: number, timeoutMs: number): Promise<boolean> {
  return withKafkaAdmin(brokers, async (admin) => {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      const group = (await admin.describeGroups([groupId])).groups[0];
      const holding = (group?.members ?? []).filter((m) => {
        const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        return assignment !== null && Object.values(assignment.assignment).some((partitions) => partitions.length > 0);
      });
      if (group?.state === 'Stable' && group.members.length === members && holding.length === members) return true;
      await sleep(200);
    }
    return false;
  });
}

interface Replica {
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startReplica(target: string, ns: Namespace, brokers: readonly string[], instanceId: string, logDir: string): Replica {
  const log = openSync(join(logDir, `${target}-${instanceId}.log`), 'a');
  const child = spawn('node', ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(PACKAGES, target),
    detached: true, // its own process group
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC: ns.topic,
      KAFKA_GROUP_ID: ns.groupId,
      KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      DATABASE_URL: ns.targetUrl,
      INSTANCE_ID: instanceId,
    },
  });
  closeSync(log); // the child has its own copy
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { id: instanceId, child, exited };
}

function signalGroup(replica: Replica, signal: NodeJS.Signals): void {
  if (replica.child.pid === undefined || replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  try {
    process.kill(-replica.child.pid, signal);
  } catch {
    // already gone
  }
}

/** Waits until every expected id has an outcome, or no new outcome arrived for `idleMs`. */
async function waitForOutcomes(db: pg.Client, ids: readonly string[], deadlineMs: number, idleMs: number): Promise<void> {
  const start = Date.now();
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() - start < deadlineMs) {
    const { rows } = await db.query<{ seen: string; total: string }>(
      'SELECT count(DISTINCT message_id) FILTER (WHERE message_id = ANY($1)) AS seen, count(*) AS total FROM message_outcomes',
      [ids],
    );
    const seen = Number(rows[0]?.seen ?? 0);
    const total = Number(rows[0]?.total ?? 0);
    if (seen === ids.length) return;
    if (total !== last) {
      last = total;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > idleMs) {
      return;
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// Judging

interface Judgement {
  readonly violations: string[];
  readonly finalStock: Map<string, number>;
}

async function judge(db: pg.Client, workload: Workload, produced: Produced): Promise<Judgement> {
  const violations: string[] = [];
  const outcomes = await db.query<{ message_id: string; outcome: Outcome }>('SELECT message_id, outcome FROM message_outcomes');
  const byId = new Map<string, Outcome[]>();
  for (const row of outcomes.rows) byId.set(row.message_id, [...(byId.get(row.message_id) ?? []), row.outcome]);

  const missing = [...produced.expected.keys()].filter((id) => !byId.has(id));
  if (missing.length > 0) violations.push(`${missing.length} message(s) have no outcome (lost), e.g. ${missing.slice(0, 3).join(', ')}`);
  const duplicated = [...byId].filter(([, list]) => list.length > 1);
  if (duplicated.length > 0) violations.push(`${duplicated.length} id(s) have more than one outcome row, e.g. ${duplicated.slice(0, 3).map(([id, l]) => `${id}=${l.join('+')}`).join(', ')}`);
  const unexpected = [...byId.keys()].filter((id) => !produced.expected.has(id));
  if (unexpected.length > 0) violations.push(`${unexpected.length} outcome row(s) for ids never produced, e.g. ${unexpected.slice(0, 3).join(', ')}`);

  const wrong: string[] = [];
  for (const [id, expected] of produced.expected) {
    const got = byId.get(id)?.[0];
    if (expected !== null && got !== undefined && got !== expected) wrong.push(`${id}: expected ${expected}, got ${got}`);
  }
  if (wrong.length > 0) violations.push(`${wrong.length} wrong outcome(s), e.g. ${wrong.slice(0, 3).join('; ')}`);

  const products = await db.query<{ sku: string; stock: number }>('SELECT sku, stock FROM products');
  const finalStock = new Map(products.rows.map((r) => [r.sku, r.stock]));

  // Expected final stock, computed without depending on order.
  const expectedStock = new Map(Object.entries(workload.stock));
  for (const [id, message] of produced.messages) {
    if (produced.expected.get(id) !== 'applied') continue;
    for (const [sku, delta] of stockEffects(message)) expectedStock.set(sku, (expectedStock.get(sku) ?? 0) + delta);
  }
  for (const sku of workload.scarce.keys()) expectedStock.set(sku, 0);
  for (const [sku, want] of expectedStock) {
    const got = finalStock.get(sku);
    if (got !== want) violations.push(`stock of ${sku}: expected ${want}, got ${got}`);
  }
  for (const [sku, got] of finalStock) if (got < 0) violations.push(`stock of ${sku} is negative: ${got}`);

  // Scarce SKUs: exactly `stock` unit sales applied.
  for (const [sku, seeded] of workload.scarce) {
    const applied = [...produced.messages.values()].filter(
      (m) => byId.get(m.id)?.includes('applied') && stockEffects(m).has(sku),
    ).length;
    if (applied !== seeded) violations.push(`${sku}: expected exactly ${seeded} unit sales applied, got ${applied}`);
  }

  // Conservation against what the ledger says was applied.
  const ledgerStock = new Map(Object.entries(workload.stock));
  for (const [id, list] of byId) {
    const message = produced.messages.get(id);
    if (!message) continue;
    const times = list.filter((o) => o === 'applied').length;
    for (const [sku, delta] of stockEffects(message)) ledgerStock.set(sku, (ledgerStock.get(sku) ?? 0) + delta * times);
  }
  const unconserved = [...ledgerStock].filter(([sku, want]) => finalStock.get(sku) !== want);
  if (unconserved.length > 0) {
    violations.push(`conservation broken on ${unconserved.length} SKU(s): e.g. ${unconserved.slice(0, 3).map(([s, w]) => `${s} ledger says ${w}, table has ${finalStock.get(s)}`).join('; ')}`);
  }
  return { violations, finalStock };
}

// ---------------------------------------------------------------------------------------------

interface RunResult {
  readonly judgement: Judgement;
  readonly produced: Produced;
  /** Exit of each replica after SIGTERM (null: did not exit within 10 s and was killed). */
  readonly sigterm: ({ code: number | null; signal: NodeJS.Signals | null } | null)[];
  /** Whether the group became ready (Stable, one member per replica, each holding partitions). */
  readonly ready: boolean;
  /** INSTANCE_IDs that recorded at least one outcome. */
  readonly instances: string[];
}

describe('datapoint on real Kafka + PostgreSQL', () => {
  let infra: StartedInfra | undefined;
  let logDir = '';
  const replicas: Replica[] = [];
  const namespaces: Namespace[] = [];
  const workload = buildWorkload(20251125);

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'datapoint-int-'));
    infra = await new LocalInfra({}).start();
  });

  afterAll(async () => {
    for (const r of replicas) signalGroup(r, 'SIGKILL');
    await Promise.all(replicas.map((r) => Promise.race([r.exited, sleep(5000)])));
    for (const ns of namespaces) await ns.drop().catch(() => undefined);
    await infra?.stop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  async function run(target: string, waitMs: number, idleMs: number): Promise<RunResult> {
    if (!infra) throw new Error('infrastructure did not start');
    const { kafkaBrokers } = infra.endpoints;
    const ns = await Namespace.create(infra.endpoints, { label: target, partitions: PARTITIONS });
    namespaces.push(ns);
    const db = new pg.Client({ connectionString: ns.adminUrl, application_name: 'grader-test' });
    await db.connect();
    try {
      await applyGraderSchema(db);
      await seedProducts(db, workload.stock);
      await ns.handOver(db);
      const producer = new Kafka({ brokers: [...kafkaBrokers], clientId: 'datapoint-test', logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      const produced = emptyProduced();
      const mine: Replica[] = [];
      let ready = false;
      try {
        // Half of the workload waits in the topic before any replica starts (the earliest-offset
        // start). The other half, then the invalid payloads, arrive at once when all 3 replicas
        // hold partitions, so they really race (otherwise the first replica to join drains
        // everything before the others are assigned anything).
        const half = Math.floor(workload.planned.length / 2);
        await producePlanned(producer, ns.topic, workload.planned.slice(0, half), produced);
        for (let i = 1; i <= REPLICAS; i++) mine.push(startReplica(target, ns, kafkaBrokers, `r${i}`, logDir));
        replicas.push(...mine);
        ready = await waitUntilReady(kafkaBrokers, ns.groupId, REPLICAS, 40_000);
        await producePlanned(producer, ns.topic, workload.planned.slice(half), produced);
        await produceInvalid(producer, ns.topic, produced);
        await waitForOutcomes(db, [...produced.expected.keys()], waitMs, idleMs);
      } finally {
        await producer.disconnect();
      }
      const judgement = await judge(db, workload, produced);
      const instances = await db.query<{ instance_id: string }>('SELECT DISTINCT instance_id FROM message_outcomes');

      for (const r of mine) signalGroup(r, 'SIGTERM');
      const sigterm = await Promise.all(mine.map((r) => Promise.race([r.exited, sleep(10_000).then(() => null)])));
      for (const r of mine) signalGroup(r, 'SIGKILL');
      return { judgement, produced, sigterm, ready, instances: instances.rows.map((r) => r.instance_id).sort() };
    } finally {
      await db.end();
    }
  }

  function logsOf(target: string): string {
    return Array.from({ length: REPLICAS }, (_, i) => {
      try {
        return readFileSync(join(logDir, `${target}-r${i + 1}.log`), 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        return '';
      }
    }).join('\n');
  }

  it('the workload is what the test thinks it is', () => {
    const ids = workload.planned.map((p) => p.message.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(workload.planned.filter((p) => p.partitions.length > 1).length).toBeGreaterThan(10);
    expect(workload.planned.filter((p) => p.expected === 'rejected').length).toBeGreaterThan(0);
    expect(workload.planned.filter((p) => p.message.type === 'order' && p.message.lines.length > 1).length).toBeGreaterThan(10);
    const records = workload.planned.reduce((sum, p) => sum + p.partitions.length, 0);
    expect(records).toBeGreaterThan(250);
  });

  it('reference-fix: exact stock and exactly one outcome per id with 3 replicas; SIGTERM exits 0', async () => {
    const result = await run('reference-fix', 45_000, 15_000);
    expect(result.ready).toBe(true);
    expect(result.judgement.violations, logsOf('reference-fix')).toEqual([]);
    expect(result.instances).toEqual(['r1', 'r2', 'r3']);
    expect(result.sigterm).toEqual(Array.from({ length: REPLICAS }, () => ({ code: 0, signal: null })));
  });

  it('buggy-service: the same workload breaks at least one invariant', async () => {
    const result = await run('buggy-service', 30_000, 6_000);
    // Printed so a reader sees which bugs showed (not asserted one by one: they interact).
    console.info(`buggy-service violations:\n  ${result.judgement.violations.join('\n  ')}`);
    expect(result.judgement.violations.length).toBeGreaterThan(0);
  });
});
