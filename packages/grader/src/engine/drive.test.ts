import { describe, expect, it } from 'vitest';
import { CheckFailure } from './check-failure.ts';
import { addReplicas } from './drive.ts';
import type { System } from './system.ts';

interface Produced {
  readonly at: number;
  readonly records: readonly { id: string; value: string; partition: number }[];
}

/**
 * A System with one running replica whose group reports `states` in turn (the last one
 * repeating) and becomes ready once `readyAfterNudges` nudges were produced; `processed` says
 * which produced ids get an outcome.
 */
function fakeSystem(options: { states: string[]; readyAfterNudges: number; processed: (id: string) => boolean; runningAfter?: number; readyAfterMs?: number; produceError?: Error }) {
  const produced: Produced[] = [];
  const replica = { cpuWaitMs: () => 0 };
  const running: unknown[] = [replica];
  let calls = 0;
  let started = 0;
  const system = {
    ns: { groupId: 'g', topic: 't', partitions: 6 },
    admin: {
      describeGroups: () => Promise.resolve({ groups: [{ state: options.states[Math.min(calls++, options.states.length - 1)], members: [] }] }),
    },
    replicas: {
      get running() {
        return running;
      },
      start: (count: number) => {
        started += count;
        for (let i = 0; i < count; i++) running.push(replica);
      },
      waitReady: async () => {
        const until = Date.now() + (options.readyAfterMs ?? 60_000);
        while (produced.length < options.readyAfterNudges && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        running.length = options.runningAfter ?? running.length;
      },
      crashes: () => [],
    },
    produce: (records: Produced['records']) => {
      if (options.produceError) return Promise.reject(options.produceError);
      produced.push({ at: Date.now(), records });
      return Promise.resolve([]);
    },
    countWithOutcome: (ids: readonly string[]) => Promise.resolve(ids.filter(options.processed).length),
    mark: () => undefined,
  };
  return { system: system as unknown as System, produced, started: () => started };
}

describe('addReplicas', () => {
  it('nudges every partition while the group prepares the rebalance, at most every 400 ms, and waits for the nudges', async () => {
    const { system, produced, started } = fakeSystem({ states: ['Stable', 'PreparingRebalance'], readyAfterNudges: 2, processed: () => true });
    await addReplicas(system, 2, (p) => `NUDGE-${p}`);
    expect(started()).toBe(2);
    expect(produced).toHaveLength(2);
    for (const nudge of produced) {
      expect(nudge.records.map((r) => r.partition)).toEqual([0, 1, 2, 3, 4, 5]);
      for (const r of nudge.records) expect(JSON.parse(r.value)).toMatchObject({ sku: `NUDGE-${r.partition}` });
    }
    expect(new Set(produced.flatMap((n) => n.records.map((r) => r.id))).size).toBe(12);
    // Spaced by the 400 ms rule, not the 100 ms poll: produce() is timed a few ms after each decision,
    // and the first (cold) call can lag behind its decision more than the second (399 ms seen under load).
    expect((produced[1]?.at ?? 0) - (produced[0]?.at ?? 0)).toBeGreaterThanOrEqual(350);
  });

  it('returns the nudges it sent, with ids never repeated by a later call on the same system', async () => {
    const { system, produced } = fakeSystem({ states: ['PreparingRebalance'], readyAfterNudges: Infinity, readyAfterMs: 300, processed: () => true });
    const first = await addReplicas(system, 2, (p) => `NUDGE-${p}`);
    const second = await addReplicas(system, 1, (p) => `NUDGE-${p}`);
    expect(first.map((m) => m.id)).toEqual(produced[0]?.records.map((r) => r.id));
    expect(second.map((m) => m.id)).toEqual(produced[1]?.records.map((r) => r.id));
    expect(new Set([...first, ...second].map((m) => m.id)).size).toBe(12);
  });

  it('produces nothing when the group never prepares a rebalance', async () => {
    const { system, produced } = fakeSystem({ states: ['CompletingRebalance'], readyAfterNudges: 0, processed: () => true });
    await addReplicas(system, 1, (p) => `NUDGE-${p}`);
    expect(produced).toHaveLength(0);
  });

  it('fails with a CheckFailure naming the nudges when the target does not process them', async () => {
    const { system } = fakeSystem({ states: ['PreparingRebalance'], readyAfterNudges: 1, processed: () => false, runningAfter: 0 });
    const failure = await addReplicas(system, 2, (p) => `NUDGE-${p}`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CheckFailure);
    expect((failure as Error).message).toMatch(/^the 6 restocks sent while 2 replica\(s\) joined were not all processed: target stalled: 0 of 6/);
  });

  it('stops nudging after 12, when a long-poll fetch has returned on its own', async () => {
    const { system, produced } = fakeSystem({ states: ['PreparingRebalance'], readyAfterNudges: Infinity, readyAfterMs: 6_000, processed: () => true });
    await addReplicas(system, 2, (p) => `NUDGE-${p}`);
    expect(produced).toHaveLength(12);
  }, 10_000);

  it("rethrows a nudge the grader could not produce (not the target's failure), with no unhandled rejection", async () => {
    const broken = new Error('broker unreachable');
    const { system } = fakeSystem({ states: ['PreparingRebalance'], readyAfterNudges: Infinity, readyAfterMs: 300, processed: () => true, produceError: broken });
    await expect(addReplicas(system, 2, (p) => `NUDGE-${p}`)).rejects.toBe(broken);
  });
});
