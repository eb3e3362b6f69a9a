import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/checks/catalog.ts';
import { StarvationMeter } from '../src/engine/starvation-meter.ts';
import { gradeSubmission } from '../src/engine/grade-submission.ts';
import { GraderError } from '../src/errors/grader-error.ts';
import type { InfraEndpoints, StartedInfra } from '../src/infra/infra.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { computeScore } from '../src/scoring/score.ts';
import { loadWeights } from '../src/scoring/weights.ts';
import { resolveTarget } from '../src/target/target-spec.ts';
import { localInfraForSuite } from './helpers/suite-infra.ts';
import { tempDir } from './helpers/temp-dirs.ts';

const weights = loadWeights(join(REPO_ROOT, 'weights.json'), CATALOG);
const ONLY = CATALOG.filter((c) => c.scenario === 'oversell').map((c) => c.id);

/**
 * Real servers with a fault injected while a submission runs, of a kind the health checks do not
 * see: from the health check that opens a grade, the grader's database URL has a wrong password,
 * so a scenario's set-up fails. Replacing the servers clears it; `again` re-arms it for the next
 * grade (the submission breaks fresh servers too).
 */
class InjectedFault implements StartedInfra {
  private armed = true;
  private faulty = false;
  replaced = 0;

  constructor(
    private readonly real: StartedInfra,
    private readonly again: boolean,
  ) {}

  get kind(): StartedInfra['kind'] {
    return this.real.kind;
  }
  get sessionId(): string {
    return this.real.sessionId;
  }
  get bootTimes(): StartedInfra['bootTimes'] {
    return this.real.bootTimes;
  }
  get endpoints(): InfraEndpoints {
    const { endpoints } = this.real;
    if (!this.faulty) return endpoints;
    const url = new URL(endpoints.databaseUrl);
    url.password = 'not-the-password';
    return { ...endpoints, databaseUrl: url.toString() };
  }
  async health(): Promise<string[]> {
    if (this.armed) [this.armed, this.faulty] = [false, true];
    return this.real.health();
  }
  recover(): Promise<void> {
    return this.real.recover();
  }
  async replace(why: string): Promise<void> {
    this.replaced += 1;
    this.faulty = false;
    this.armed = this.again;
    await this.real.replace(why);
  }
  kafkaLogBytes(): Promise<number | undefined> {
    return this.real.kafkaLogBytes();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

describe('an infrastructure failure while a submission runs (real servers, an injected fault)', () => {
  const servers = localInfraForSuite();

  async function grade(faulty: InjectedFault) {
    return gradeSubmission({ target: resolveTarget('reference-fix'), selected: ONLY, seed: 1, repeat: 1, runDir: tempDir('grader-retry-run-'), infra: faulty, sandbox: true });
  }

  it('once: the servers are replaced and the submission graded again from the start; that grade counts', async () => {
    const infra = servers();
    const before = infra.endpoints.kafkaBrokers[0];
    const faulty = new InjectedFault(infra, false);
    const outcome = await grade(faulty);
    expect(outcome.infraAttempts).toHaveLength(1);
    expect(outcome.infraAttempts[0]?.infraFailure).toMatch(/could not set up scenario oversell: .*password authentication failed/);
    expect(faulty.replaced).toBe(1);
    // Fresh servers: a new broker (new port, empty log dir).
    expect(infra.endpoints.kafkaBrokers[0]).not.toBe(before);
    const ran = outcome.results.filter((r) => r.status !== 'skipped');
    expect(ran.map((r) => r.message).filter(Boolean)).toEqual([]);
    expect(computeScore(ran, weights).score).toBe(1);
  }, 300_000);

  it('twice: it becomes the verdict (the checks it hit fail saying so), the servers are replaced for what comes next, nothing is thrown', async () => {
    const infra = servers();
    const faulty = new InjectedFault(infra, true);
    const outcome = await grade(faulty);
    expect(outcome.infraAttempts).toHaveLength(2);
    expect(faulty.replaced).toBe(2);
    const failed = outcome.results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.id).sort()).toEqual([...ONLY].sort());
    for (const r of failed) expect(r.message).toMatch(/^the infrastructure failed while the submission ran, twice, the second time on fresh servers \(could not set up scenario oversell: .*password authentication failed.*\); first: could not set up scenario oversell/);
    // The next submission is graded normally on the servers left behind.
    const next = await gradeSubmission({ target: resolveTarget('reference-fix'), selected: ONLY, seed: 1, repeat: 1, runDir: tempDir('grader-retry-run-'), infra, sandbox: true });
    expect(next.infraAttempts).toEqual([]);
    expect(computeScore(next.results.filter((r) => r.status !== 'skipped'), weights).score).toBe(1);
  }, 300_000);

  /** A meter that saw heavy starvation during each grade, and a machine calm `calmAfterMs` after each wait for calm began. */
  function starvedMeter(calmAfterMs: number): StarvationMeter {
    let firstLook = 0;
    let lastLook = 0;
    return Object.assign(new StarvationMeter(), {
      worstLatencyMs: () => 9.5,
      recentLatencyMs: () => {
        const now = Date.now();
        // The grader looks every 2 s while it waits: a longer gap is a new wait.
        if (now - lastLook > 3_000) firstLook = now;
        lastLook = now;
        return now - firstLook >= calmAfterMs ? 0.2 : 9.5;
      },
    });
  }

  it('on a starved machine: never the verdict; graded again on fresh servers, and inconclusive (MACHINE_STARVED, no result) if it happens again', async () => {
    const infra = servers();
    const faulty = new InjectedFault(infra, true);
    const error = await gradeSubmission({ target: resolveTarget('reference-fix'), selected: ONLY, seed: 1, repeat: 1, runDir: tempDir('grader-retry-run-'), infra: faulty, sandbox: true, meter: starvedMeter(14_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraderError);
    expect((error as GraderError).code).toBe('MACHINE_STARVED');
    expect((error as GraderError).message).toMatch(/reference-fix could not be graded: the infrastructure failed 2 times while the machine was starved while it ran \(the grader's own threads waited 9\.5 ms for a CPU each time they were scheduled.*\), and the machine stayed busy without it .*; no verdict was given/);
    // Fresh servers after each: what comes next does not inherit what failed.
    expect(faulty.replaced).toBe(2);
  }, 300_000);

  it('starved only by the submission itself (calm as soon as it is gone): the rule for damage, so twice is its verdict', async () => {
    const faulty = new InjectedFault(servers(), true);
    const outcome = await gradeSubmission({ target: resolveTarget('reference-fix'), selected: ONLY, seed: 1, repeat: 1, runDir: tempDir('grader-retry-run-'), infra: faulty, sandbox: true, meter: starvedMeter(0) });
    expect(outcome.infraAttempts).toHaveLength(2);
    expect(faulty.replaced).toBe(2);
    for (const r of outcome.results.filter((x) => x.status === 'failed')) expect(r.message).toMatch(/^the infrastructure failed while the submission ran, twice/);
  }, 300_000);
});
