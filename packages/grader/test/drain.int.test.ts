/**
 * System.drain on real Kafka + PostgreSQL with the reference fix (issue 16): a target that is
 * consuming but slow to produce its first outcome is waited for (no quiet period alone ends a
 * drain), and a target that made progress during the drain and then stopped is given up on after
 * STALL_MS with a message that says how far it got and for how long nothing moved (one that
 * makes no progress at all is waited for up to the drain's deadline). The grader holds row locks
 * (RowGate) to make the target wait: no timing is hoped for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas } from '../src/engine/drive.ts';
import { SETTLED_QUIET_MS, STALL_MS, System } from '../src/engine/system.ts';
import { RowGate } from '../src/faults/row-gate.ts';
import { LocalInfra, type StartedLocalInfra } from '../src/infra/local-infra.ts';
import { DirectLauncher } from '../src/target/launcher.ts';
import { buildTarget } from '../src/target/target-build.ts';
import { resolveTarget } from '../src/target/target-spec.ts';
import { adjust } from '../src/workloads/messages.ts';
import { roundRobin } from '../src/workloads/plan.ts';
import { graderClientId } from '../src/infra/kafka/client-quotas.ts';

describe('System.drain', () => {
  let infra: StartedLocalInfra;
  let runDir: string;
  const target = resolveTarget('reference-fix');

  beforeAll(async () => {
    runDir = mkdtempSync(join(tmpdir(), 'grader-drain-test-'));
    // Built in place, as `--no-sandbox` grades do: a fresh clone has no dist/ to start from.
    const build = await buildTarget(target, new DirectLauncher(target.dir), join(runDir, 'build.log'));
    expect(build, 'build of reference-fix').toMatchObject({ ok: true });
    infra = await new LocalInfra({}).start();
  });

  afterAll(async () => {
    await infra?.stop();
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  const system = (scenario: string): Promise<System> =>
    System.create(
      { endpoints: infra.endpoints, graderClientId: graderClientId(), target, seed: 1, runDir, selected: [] },
      { scenario, latencyMs: 0, products: { A: 1000, B: 1000 } },
    );

  it('waits for a consuming target whose first outcome comes later than STALL_MS', async () => {
    const sys = await system('drain-slow-start');
    try {
      await startReplicas(sys, 1);
      const gate = await RowGate.close(sys.db, ['A', 'B']);
      const messages = Array.from({ length: 12 }, (_, i) => adjust(`slow-${i}`, i % 2 ? 'A' : 'B', 1));
      await sys.produce(roundRobin(messages, 6));
      // Every message waits behind the grader's row locks until well past STALL_MS.
      const opened = new Promise<void>((resolve) => setTimeout(() => void gate.open().then(() => resolve()), STALL_MS + 4_000));
      const drained = await sys.drain(messages.map((m) => m.id), 45_000);
      await opened;
      expect(drained).toMatchObject({ complete: true, missing: [] });
      expect(drained.gaveUp).toBeUndefined();
      expect(drained.elapsedMs).toBeGreaterThan(STALL_MS + 3_000);
    } finally {
      await sys.close();
    }
  });

  it('gives up on a target that made progress during the drain and then stopped, and says how far it got', async () => {
    const sys = await system('drain-stall');
    try {
      await startReplicas(sys, 1);
      // B stays locked: the messages on A get outcomes, those on B never do.
      const gate = await RowGate.close(sys.db, ['B']);
      try {
        const ok = Array.from({ length: 6 }, (_, i) => adjust(`ok-${i}`, 'A', 1));
        const stuck = Array.from({ length: 3 }, (_, i) => adjust(`stuck-${i}`, 'B', 1));
        // Produced once the drain runs, each partition's A messages before its B message: progress
        // during the drain, then nothing.
        const draining = sys.drain([...ok, ...stuck].map((m) => m.id), 60_000);
        await sys.produce(roundRobin(ok, 3));
        await sys.produce(roundRobin(stuck, 3));
        const drained = await draining;
        expect(drained.complete).toBe(false);
        expect([...drained.missing].sort()).toEqual(['stuck-0', 'stuck-1', 'stuck-2']);
        // kafkajs does not heartbeat while a message blocks, so the member is dropped after the
        // session timeout: that time is excused up to its bound, then the stall counts.
        expect(drained.gaveUp).toMatch(/^no new outcome for \d+\.\d s at 6 of 9 \(the group was not consuming for \d+\.\d s of it\)$|^no new outcome for 1\d\.\d s at 6 of 9, while the group was consuming/);
        expect(drained.elapsedMs).toBeLessThan(45_000);
      } finally {
        await gate.open();
      }
    } finally {
      await sys.close();
    }
  });

  it('ends a quiet period early only once the target is settled, never while its transaction waits', async () => {
    const sys = await System.create(
      { endpoints: infra.endpoints, graderClientId: graderClientId(), target, seed: 1, runDir, selected: [] },
      { scenario: 'drain-settled', latencyMs: 5, products: { A: 1000, B: 1000 } },
    );
    try {
      await startReplicas(sys, 1);
      const done = Array.from({ length: 6 }, (_, i) => adjust(`done-${i}`, 'A', 1));
      await sys.produce(roundRobin(done, 6));
      await sys.drain(done.map((m) => m.id), 30_000, 0);
      // Everything processed and committed: the quiet ends after SETTLED_QUIET_MS, not 3 s.
      let started = Date.now();
      expect(await sys.waitQuiet(3_000, Date.now() + 10_000, true)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(SETTLED_QUIET_MS);
      expect(Date.now() - started).toBeLessThan(2_000);
      // A message whose transaction waits on the grader's row lock: nothing changes, yet the full period is waited.
      const gate = await RowGate.close(sys.db, ['B']);
      try {
        await sys.produce(roundRobin([adjust('held', 'B', 1)], 1));
        expect(await gate.waitFor(1, 10_000)).toBe(1);
        started = Date.now();
        expect(await sys.waitQuiet(1_500, Date.now() + 10_000, true)).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      } finally {
        await gate.open();
      }
      // Without `settle` (a quiet period asked for in full) it never ends early.
      await sys.drain(['held'], 30_000, 0);
      started = Date.now();
      expect(await sys.waitQuiet(1_200)).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
    } finally {
      await sys.close();
    }
  });
});
