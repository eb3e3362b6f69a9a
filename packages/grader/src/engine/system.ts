import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import pg from 'pg';
import { LatencyProxy } from '../faults/latency-proxy.ts';
import { terminateTargetConnections } from '../faults/connection-killer.ts';
import { Namespace, TARGET_CONNECTION_LIMIT } from '../infra/namespace.ts';
import { SessionRegistry, type Session } from '../infra/session/session-registry.ts';
import { SandboxLauncher } from '../sandbox/sandbox-launcher.ts';
import { CpuStarvation, TargetDeadline } from '../target/cpu-wait.ts';
import { OwnThreadsLatency } from '../target/overload.ts';
import { DirectLauncher } from '../target/launcher.ts';
import { describeGroup, ReplicaSet } from '../target/replica-set.ts';
import { applyGraderSchema, seedProducts } from '../workloads/seed.ts';
import { fallbackMessageId, type ProducedRecord } from '../workloads/messages.ts';
import type { GradingContext } from './grading-context.ts';
import { InfraFailure } from './check-failure.ts';
import { ExclusiveTurn } from './exclusive-turn.ts';
import { laggingPartitions } from './offsets.ts';
import { graderClientId } from '../infra/kafka/client-quotas.ts';
import { DatabaseSizeGuard } from './database-size-guard.ts';

/** No new outcome for this long while messages are pending = the target has stalled. */
export const STALL_MS = 10_000;

/** The quiet period after a drain (nothing changed for this long), so that late duplicates are seen. */
export const DRAIN_QUIET_MS = 1_000;

/**
 * The least quiet after which a drain's quiet period may end on evidence that the target is
 * settled instead of waiting its full DRAIN_QUIET_MS (System.waitQuiet).
 */
export const SETTLED_QUIET_MS = 300;

/** The session timeout every target must use (docs/CONTRACT.md); the broker's minimum. */
export const SESSION_TIMEOUT_MS = 6_000;

export interface SystemOptions {
  readonly scenario: string;
  readonly partitions?: number;
  /** Latency added to every target→PostgreSQL round trip (0 = direct connection). */
  readonly latencyMs?: number;
  readonly products: Record<string, number>;
  /** KAFKA_SESSION_TIMEOUT_MS for the target (default SESSION_TIMEOUT_MS). */
  readonly sessionTimeoutMs?: number;
}

/** Where a produced record landed, and the id its outcome must be recorded under. */
export interface Placement {
  readonly id: string;
  readonly partition: number;
  readonly offset: number;
}

export interface OutcomeRow {
  readonly message_id: string;
  readonly outcome: 'applied' | 'rejected' | 'invalid';
  readonly instance_id: string | null;
}

export interface DrainResult {
  /** Every expected id has at least one outcome. */
  readonly complete: boolean;
  readonly missing: readonly string[];
  readonly elapsedMs: number;
  /** Why an incomplete drain stopped waiting, with the numbers (e.g. "no new outcome for 10.2 s at 126 of 300, ..."). */
  readonly gaveUp?: string;
}

/**
 * One scenario's system under test: its own database (schema + seeded products), topic and
 * group, an optional latency proxy, the target's replicas, and the grader's own clients.
 */
export class System {
  readonly replicas: ReplicaSet;
  readonly placements: Placement[] = [];
  private closed = false;

  private constructor(
    readonly ctx: GradingContext,
    readonly ns: Namespace,
    readonly db: pg.Pool,
    readonly admin: Admin,
    readonly producer: Producer,
    readonly proxy: LatencyProxy | undefined,
    readonly session: Session,
    readonly logDir: string,
    readonly seedStock: ReadonlyMap<string, number>,
    readonly sessionTimeoutMs: number,
    readonly scenario: string,
  ) {
    this.replicas = new ReplicaSet(
      ctx.target,
      ctx.sandbox ? new SandboxLauncher(ctx.sandbox) : new DirectLauncher(ctx.target.dir),
      {
        KAFKA_BROKERS: ctx.endpoints.kafkaBrokers.join(','),
        KAFKA_TOPIC: ns.topic,
        KAFKA_GROUP_ID: ns.groupId,
        KAFKA_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
        DATABASE_URL: proxy ? proxy.url(ns.targetUrl) : ns.targetUrl,
      },
      logDir,
      session,
      admin,
      ns.name.replace(/^grader_/, ''),
    );
    this.databaseSize = new DatabaseSizeGuard(db, ns.database, async () => {
      this.mark(`database over its cap: ${this.databaseSize.violation ?? ''}`);
      await Promise.allSettled([this.replicas.killAll(), this.terminateTargetConnections()]);
    }).start();
  }

  private readonly createdAt = Date.now();
  private turn?: Promise<void>;
  /** The target's database under its size cap while the scenario runs. */
  readonly databaseSize: DatabaseSizeGuard;

  /** What the grader did to the target beyond the scenario's plan, for failure messages (refused connections, a database over its cap). */
  interventions(): string[] {
    return [this.proxy?.refusals(), this.databaseSize.violation].filter((note): note is string => note !== undefined);
  }

  /**
   * Beside the exclusive scenario, waits (once) until it is done: called with the first replicas
   * ready and before the first message, so that only idle replicas run beside its measurements.
   */
  waitForTurn(): Promise<void> {
    this.turn ??= (async () => {
      const turn = ExclusiveTurn.of(this.ctx);
      if (!turn || turn.isExclusive(this.scenario)) return;
      const from = Date.now();
      await turn.waitForTurn(this.scenario);
      this.mark(`waited ${Date.now() - from} ms for the ${this.ctx.exclusive?.scenario} scenario`);
    })();
    return this.turn;
  }

  /** Appends a timed line to `<logDir>/timeline.log` (what happened when, for slow or odd runs). */
  mark(event: string): void {
    appendFileSync(join(this.logDir, 'timeline.log'), `${String(Date.now() - this.createdAt).padStart(6)} ms  ${event}\n`);
  }

  static async create(ctx: GradingContext, options: SystemOptions): Promise<System> {
    const logDir = join(ctx.runDir, options.scenario);
    mkdirSync(logDir, { recursive: true });
    const t0 = Date.now();
    let ns: Namespace | undefined;
    const session = new SessionRegistry().create('targets');
    try {
      ns = await Namespace.create(ctx.endpoints, { label: options.scenario, partitions: options.partitions ?? 6 });
      const db = new pg.Pool({ connectionString: ns.adminUrl, application_name: 'grader-observer', max: 4 });
      db.on('error', () => undefined);
      const client = await db.connect();
      try {
        await applyGraderSchema(client);
        await seedProducts(client, options.products);
        await ns.handOver(client);
      } finally {
        client.release();
      }
      const kafka = new Kafka({ brokers: [...ctx.endpoints.kafkaBrokers], clientId: graderClientId(), logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await Promise.all([admin.connect(), producer.connect()]);
      let proxy: LatencyProxy | undefined;
      if (options.latencyMs) {
        const upstream = new URL(ns.adminUrl);
        // No more sockets than the role may hold: the server's slots beyond that are the grader's.
        proxy = await new LatencyProxy({ upstreamHost: upstream.hostname, upstreamPort: Number(upstream.port), latencyMs: options.latencyMs, maxConnections: TARGET_CONNECTION_LIMIT }).start();
      }
      const system = new System(ctx, ns, db, admin, producer, proxy, session, logDir, new Map(Object.entries(options.products)), options.sessionTimeoutMs ?? SESSION_TIMEOUT_MS, options.scenario);
      system.mark(`namespace ${ns.name} ready (${Date.now() - t0} ms)`);
      return system;
    } catch (error) {
      await ns?.drop();
      session.closeSync();
      throw new InfraFailure(`could not set up scenario ${options.scenario}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Produces `records` in one batch (explicit partitions win over the key hash) and remembers
   * where each landed. Records without an id get the contract's `<topic>/<partition>/<offset>`.
   */
  async produce(records: readonly (Omit<ProducedRecord, 'id'> & { id: string | null; partition: number })[]): Promise<Placement[]> {
    await this.waitForTurn();
    const byPartition = new Map<number, typeof records[number][]>();
    for (const record of records) {
      const list = byPartition.get(record.partition);
      if (list) list.push(record);
      else byPartition.set(record.partition, [record]);
    }
    const metadata = await this.producer.send({
      topic: this.ns.topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition })),
    });
    const placed: Placement[] = [];
    for (const meta of metadata) {
      const base = Number(meta.baseOffset);
      (byPartition.get(meta.partition) ?? []).forEach((record, index) => {
        const offset = base + index;
        placed.push({ id: record.id ?? fallbackMessageId(this.ns.topic, meta.partition, offset), partition: meta.partition, offset });
      });
    }
    this.placements.push(...placed);
    this.mark(`produced ${records.length} records`);
    return placed;
  }

  /** The first partition each replica of the group holds now, one per replica holding any. */
  async firstPartitions(): Promise<number[]> {
    const view = await describeGroup(this.admin, this.ns.groupId, this.ns.topic);
    return view.assignments.map((a) => a[0]).filter((p): p is number => p !== undefined);
  }

  /** Distinct ids (of `ids`) that have at least one outcome row. */
  async countWithOutcome(ids: readonly string[]): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(DISTINCT message_id) AS n FROM message_outcomes WHERE message_id = ANY($1)', [ids]);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Waits until every id has an outcome, then until nothing changes for `quietMs` (so late
   * duplicates are seen). Gives up at `timeoutMs`, when no replica is left running, or on a
   * stall: no new outcome for STALL_MS (longer than a session timeout) after the target made
   * progress in this drain. Before its first outcome in the drain the target is waited for up to
   * the deadline (a slow machine restarting it is not a stall), and time its group spends not
   * consuming (rebalancing, or a member without partitions) does not count towards a stall, up
   * to two session timeouts and 10 s: a rebalance is progress of a kind, never judged on a quiet
   * period alone.
   */
  async drain(ids: readonly string[], timeoutMs: number, quietMs = DRAIN_QUIET_MS): Promise<DrainResult> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    const stallMs = Math.max(STALL_MS, this.sessionTimeoutMs + 4_000);
    const rebalanceAllowanceMs = 2 * this.sessionTimeoutMs + 10_000;
    let done = await this.countWithOutcome(ids);
    let lastProgress = Date.now();
    let moved = false;
    let notConsumingMs = 0;
    let groupCheckedAt = Date.now();
    let gaveUp: string | undefined;
    // Time the replicas waited for a busy CPU extends the deadline and the stall window.
    const bound = new TargetDeadline(timeoutMs, () => this.replicas.running);
    let starvedSinceProgress = new CpuStarvation(() => this.replicas.running);
    let ownSinceProgress = new OwnThreadsLatency();
    while (done < ids.length && !bound.passed()) {
      if (this.replicas.running.length === 0) {
        gaveUp = `no replica was left running (at ${done} of ${ids.length})`;
        break;
      }
      if (Date.now() - groupCheckedAt >= 1_000) {
        const now = Date.now();
        if (!(await this.groupConsuming())) notConsumingMs += now - groupCheckedAt;
        groupCheckedAt = now;
      }
      const idleMs = Date.now() - lastProgress;
      const excusedMs = Math.min(notConsumingMs, rebalanceAllowanceMs);
      if (moved && idleMs - excusedMs > stallMs && idleMs - excusedMs - starvedSinceProgress.ms() > stallMs) {
        starvedSinceProgress.noteIfOverloaded(ownSinceProgress);
        gaveUp = `no new outcome for ${(idleMs / 1000).toFixed(1)} s at ${done} of ${ids.length}${excusedMs > 0 ? ` (the group was not consuming for ${(notConsumingMs / 1000).toFixed(1)} s of it)` : ', while the group was consuming (Stable, every running replica holding partitions)'}`;
        break;
      }
      await sleep(100);
      const now = await this.countWithOutcome(ids);
      if (now > done) {
        lastProgress = Date.now();
        moved = true;
        notConsumingMs = 0;
        starvedSinceProgress = new CpuStarvation(() => this.replicas.running);
        // At most once a second: it reads every thread's schedstat.
        if (Date.now() - ownSinceProgress.at >= 1_000) ownSinceProgress = new OwnThreadsLatency();
      }
      done = now;
    }
    const complete = done >= ids.length;
    if (!complete) gaveUp ??= `${done} of ${ids.length} had outcomes when the drain's ${bound.describe()} ran out, ${moved ? `the last new outcome ${((Date.now() - lastProgress) / 1000).toFixed(1)} s before` : 'none of them new in the drain'}`;
    this.mark(complete ? `drain: ${done} of ${ids.length} have outcomes` : `drain gave up: ${gaveUp}`);
    // A longer quiet period asked for on purpose (duplicates) is waited in full.
    const settled = complete && (await this.waitQuiet(quietMs, deadline, quietMs === DRAIN_QUIET_MS));
    this.mark(settled ? 'drain: quiet (target settled: committed to the end, no statement or transaction running)' : 'drain: quiet');
    const missing = complete ? [] : await this.missingOutcomes(ids);
    return { complete, missing, elapsedMs: Date.now() - started, ...(gaveUp === undefined ? {} : { gaveUp }) };
  }

  /** True when the group is Stable with one member per running replica, each holding partitions. */
  private async groupConsuming(): Promise<boolean> {
    try {
      const view = await describeGroup(this.admin, this.ns.groupId, this.ns.topic);
      return view.state === 'Stable' && view.assignments.length === this.replicas.running.length && view.assignments.every((a) => a.length > 0);
    } catch {
      // An admin request that fails says nothing about the target: count it as consuming.
      return true;
    }
  }

  /**
   * Waits until the outcome table and stock stop changing for `quietMs`, or, with `settle`,
   * sooner: once they have not changed for SETTLED_QUIET_MS and the target is seen settled
   * twice in a row (targetSettled). Returns true when it ended on that evidence.
   */
  async waitQuiet(quietMs: number, deadline = Date.now() + 30_000, settle = false): Promise<boolean> {
    let last = '';
    let since = Date.now();
    let settled = 0;
    while (Date.now() < deadline) {
      const { rows } = await this.db.query<{ f: string }>(
        `SELECT (SELECT count(*) FROM message_outcomes)::text || '/' || (SELECT coalesce(sum(stock), 0) FROM products)::text AS f`,
      );
      const fingerprint = rows[0]?.f ?? '';
      if (fingerprint !== last) {
        last = fingerprint;
        since = Date.now();
        settled = 0;
      } else if (Date.now() - since >= quietMs) return false;
      else if (settle && Date.now() - since >= SETTLED_QUIET_MS) {
        settled = (await this.targetSettled()) ? settled + 1 : 0;
        if (settled >= 2) return true;
      }
      await sleep(100);
    }
    return false;
  }

  /**
   * Nothing more can come from the target: the group has committed every partition to its end
   * (nothing will be redelivered), no connection of its role is running a statement or holds a
   * transaction, and the latency proxy holds none of its bytes back.
   */
  private async targetSettled(): Promise<boolean> {
    if ((this.proxy?.inFlight ?? 0) > 0) return false;
    try {
      return await this.noTargetWork();
    } catch {
      // An admin request that fails (a coordinator moving after kills) proves nothing: not settled.
      return false;
    }
  }

  private async noTargetWork(): Promise<boolean> {
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = $1 AND usename = $2 AND backend_type = 'client backend'
          AND (state IS DISTINCT FROM 'idle' OR xact_start IS NOT NULL)`,
      [this.ns.database, this.ns.role],
    );
    if (Number(rows[0]?.n ?? 1) > 0) return false;
    const [committed, end] = await Promise.all([this.committedOffsets(), this.endOffsets()]);
    return laggingPartitions(committed, end).length === 0;
  }

  async missingOutcomes(ids: readonly string[]): Promise<string[]> {
    const { rows } = await this.db.query<{ message_id: string }>('SELECT DISTINCT message_id FROM message_outcomes WHERE message_id = ANY($1)', [ids]);
    const seen = new Set(rows.map((r) => r.message_id));
    return ids.filter((id) => !seen.has(id));
  }

  async outcomes(): Promise<OutcomeRow[]> {
    const { rows } = await this.db.query<OutcomeRow>('SELECT message_id, outcome, instance_id FROM message_outcomes ORDER BY recorded_at');
    return rows;
  }

  async stock(): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ sku: string; stock: number }>('SELECT sku, stock FROM products');
    return new Map(rows.map((r) => [r.sku, r.stock]));
  }

  /** pg_terminate_backend on every target connection; returns how many were cut. */
  async terminateTargetConnections(): Promise<number> {
    const client = await this.db.connect();
    try {
      return await terminateTargetConnections(client, this.ns.database, this.ns.role);
    } finally {
      client.release();
    }
  }

  /** Committed offset per partition (-1 = nothing committed). */
  async committedOffsets(): Promise<Map<number, number>> {
    const [topic] = await this.admin.fetchOffsets({ groupId: this.ns.groupId, topics: [this.ns.topic] });
    return new Map((topic?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }

  async endOffsets(): Promise<Map<number, number>> {
    const offsets = await this.admin.fetchTopicOffsets(this.ns.topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  /** Kills the replicas, closes clients, drops the namespace. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mark('closing');
    this.databaseSize.stop();
    await this.replicas.killAll();
    await this.replicas.close();
    await this.proxy?.close();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    await this.db.end().catch(() => undefined);
    await this.ns.drop();
    this.session.closeSync();
    this.mark('closed');
  }
}
