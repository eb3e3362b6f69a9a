import { join } from 'node:path';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Session } from '../infra/session/session-registry.ts';
import { TargetDeadline } from './cpu-wait.ts';
import type { ProcessLauncher } from './launcher.ts';
import { describeRace } from './race-report.ts';
import { Replica, type StopResult } from './replica.ts';
import { commandArgv, type TargetSpec } from './target-spec.ts';

/** The environment of docs/CONTRACT.md, minus INSTANCE_ID (set per replica). */
export interface TargetEnvironment {
  readonly KAFKA_BROKERS: string;
  readonly KAFKA_TOPIC: string;
  readonly KAFKA_GROUP_ID: string;
  readonly KAFKA_SESSION_TIMEOUT_MS: string;
  readonly DATABASE_URL: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The loopback ports of the brokers and the database a replica must reach; undefined when a
 * server is elsewhere (external infrastructure on another host), where replicas need the network.
 */
export function endpointPorts(env: TargetEnvironment): number[] | undefined {
  const addresses = env.KAFKA_BROKERS.split(',').map((b) => new URL(`kafka://${b.trim()}`));
  addresses.push(new URL(env.DATABASE_URL));
  if (addresses.some((a) => !LOOPBACK.has(a.hostname))) return undefined;
  return addresses.map((a) => Number(a.port || (a.protocol === 'kafka:' ? 9092 : 5432)));
}

/** A failure of the target (not of the grader): every check fed by the scenario fails with it. */
export class TargetFailure extends Error {
  override readonly name = 'TargetFailure';
}

/** What the group looks like to an admin client. */
export interface GroupView {
  readonly state: string;
  /** Partitions held by each member. */
  readonly assignments: readonly number[][];
}

export async function describeGroup(admin: Admin, groupId: string, topic: string): Promise<GroupView> {
  const [group] = (await admin.describeGroups([groupId])).groups;
  if (!group) return { state: 'Dead', assignments: [] };
  const assignments = group.members.map((member) => {
    try {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return decoded?.assignment[topic] ?? [];
    } catch {
      return [];
    }
  });
  return { state: group.state, assignments };
}

/**
 * The replicas of one target in one namespace. Replica ids are r1, r2, …; a restarted replica
 * keeps its id. Crashes (exits the grader did not cause) are remembered for failure messages.
 */
export class ReplicaSet {
  private readonly replicas = new Map<string, Replica>();
  private next = 1;

  constructor(
    private readonly target: TargetSpec,
    private readonly launcher: ProcessLauncher,
    private readonly env: TargetEnvironment,
    private readonly logDir: string,
    private readonly session: Session,
    private readonly admin: Admin,
    /** Names sandbox resources, e.g. the scenario id. */
    private readonly label: string,
  ) {}

  get all(): Replica[] {
    return [...this.replicas.values()];
  }

  get running(): Replica[] {
    return this.all.filter((r) => r.running);
  }

  /** Starts `count` new replicas. */
  start(count: number): Replica[] {
    return Array.from({ length: count }, () => this.add());
  }

  add(): Replica {
    const id = `r${this.next++}`;
    const marker = this.session.useEnvMarker();
    const env: Record<string, string> = {
      ...this.env,
      INSTANCE_ID: id,
      [marker.name]: marker.value,
      // The target's own colour codes would only clutter its log file.
      NO_COLOR: '1',
    };
    const ports = endpointPorts(this.env);
    const launch = { launcher: this.launcher, argv: commandArgv(this.target.start), env, name: `${this.label}-${id}`, ...(ports ? { ports } : {}) };
    const replica = new Replica(id, launch, join(this.logDir, `${id}.log`)).start();
    this.replicas.set(id, replica);
    return replica;
  }

  /** Starts a replica again under the same id (after kill or stop). */
  restart(replica: Replica): Replica {
    const again = replica.fresh().start();
    this.replicas.set(replica.id, again);
    return again;
  }

  /**
   * Exits the grader did not cause, as "r2 exited with code 1: <last lines>", or, when its output
   * has a race report (whatever the exit), "r2 stopped on a data race (Go race detector, exit 66):
   * <the two accesses>". Throws the LaunchFailure of a replica the grader could not start: that
   * is no crash of the target.
   */
  crashes(): string[] {
    const failed = this.all.find((r) => r.launchFailure);
    if (failed?.launchFailure) throw failed.launchFailure;
    return this.all
      .filter((r) => (r.exit && !r.expectedExit) || r.flooded)
      .map((r) => {
        if (r.flooded) return `replica ${r.id} flooded its output (over 20 MB) and was killed`;
        const limit = r.limitHit();
        const race = r.raceReport();
        if (race) return `replica ${r.id} stopped on a data race (Go race detector, ${r.exit?.signal ?? `exit ${r.exit?.code}`}${limit ? `; ${limit}` : ''}): ${describeRace(race)}`;
        return `replica ${r.id} exited with ${r.exit?.signal ?? `code ${r.exit?.code}`}${limit ? ` (${limit})` : ''}: ${r.lastLines() || '(no output)'}`;
      });
  }

  /**
   * Ready per the contract: the group is Stable with exactly `members` members (default: the
   * running replicas), each holding at least one partition of the topic.
   */
  async waitReady(timeoutMs: number, members = this.running.length): Promise<void> {
    const deadline = new TargetDeadline(timeoutMs, () => this.running);
    let view: GroupView = { state: 'unknown', assignments: [] };
    for (;;) {
      const crashed = this.crashes();
      if (crashed.length > 0) throw new TargetFailure(`target did not start: ${crashed[0]}`);
      view = await describeGroup(this.admin, this.env.KAFKA_GROUP_ID, this.env.KAFKA_TOPIC).catch(() => view);
      if (view.state === 'Stable' && view.assignments.length === members && view.assignments.every((a) => a.length > 0)) return;
      if (deadline.passed()) {
        const limits = [...new Set(this.running.flatMap((r) => r.limitHit() ?? []))];
        throw new TargetFailure(
          `target not ready after ${deadline.describe()}: group ${view.state} with ${view.assignments.length} of ${members} member(s) holding partitions [${view.assignments.map((a) => a.length).join(', ')}]${limits.length > 0 ? ` (${limits.join('; ')})` : ''}`,
        );
      }
      await sleep(100);
    }
  }

  async stop(replica: Replica, graceMs?: number): Promise<StopResult> {
    return replica.stop(graceMs);
  }

  async killAll(): Promise<void> {
    await Promise.all(this.running.map((r) => r.kill()));
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((r) => r.close()));
  }
}
