import { ensure } from '../../engine/check-failure.ts';
import { startReplicas, terminateAtProgress } from '../../engine/drive.ts';
import { lostMessages } from '../../engine/offsets.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { adjust, type ContractMessage } from '../../workloads/messages.ts';
import { expectedStock, outcomeCounts, roundRobin } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectComplete, expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const SKUS = Array.from({ length: 20 }, (_, i) => `DB${i + 1}`);
const STOCK = 10_000;

interface Observations {
  terminated: number[];
  missing: readonly string[];
  lost: string[];
  stock: Map<string, number>;
  expected: Map<string, number>;
  counts: Map<string, number>;
  ids: string[];
  crashes: string[];
  stalledAt?: string;
}

export default defineScenario<Observations>({
  id: 'db_drops',
  budgetMs: 50_000,
  async run(ctx, track) {
    const system = track(await System.create(ctx, { scenario: 'db_drops', latencyMs: 5, products: Object.fromEntries(SKUS.map((s) => [s, STOCK])) }));
    const rnd = new SeededRandom(ctx.seed, 'db_drops');
    const messages: ContractMessage[] = Array.from({ length: 300 }, (_, i) => adjust(`dbd-${i}`, rnd.pick(SKUS), rnd.int(1, 5) * (rnd.int(0, 1) ? 1 : -1)));
    const ids = messages.map((m) => m.id);
    await startReplicas(system, 2);
    await system.produce(roundRobin(messages, 6));
    const { terminated, stalledAt } = await terminateAtProgress(system, ids, [0.2, 0.45, 0.7], 20_000);
    const drained = await system.drain(ids, 30_000);
    const rows = await system.outcomes();
    const applied = new Set(rows.filter((r) => r.outcome === 'applied').map((r) => r.message_id));
    return {
      terminated,
      missing: drained.missing,
      lost: await lostMessages(system),
      stock: await system.stock(),
      // Every message is applicable (ample stock), so the applied ones are the ones with an outcome.
      expected: expectedStock(system.seedStock, messages.filter((m) => applied.has(m.id))),
      counts: outcomeCounts(rows),
      ids,
      crashes: system.replicas.crashes(),
      ...(stalledAt ? { stalledAt } : {}),
    };
  },
  checks: {
    'atomic.no_loss_on_connection_drop': (o) => {
      // Skipped messages first: they are missing too, and "skipped" is the more precise reason.
      ensure(o.lost.length === 0, () => `${o.lost.length} message(s) were skipped: their offsets were committed but they have no outcome (e.g. ${o.lost[0]}); connections terminated: ${o.terminated.join(', ')}`);
      expectComplete(o.missing.length, o.ids.length);
    },
    'atomic.no_double_apply_on_connection_drop': (o) => {
      expectComplete(o.missing.length, o.ids.length);
      expectOneOutcomeEach('After terminated connections', o.ids.filter((id) => o.counts.has(id)), o.counts);
      expectStock('Stock disagrees with the applied messages after terminated connections', o.expected, o.stock);
    },
    'consumer_offsets.progress_after_connection_drop': (o) =>
      ensure(
        o.missing.length === 0,
        () => o.stalledAt ?? `processing stopped after connections were terminated: ${o.missing.length} of ${o.ids.length} messages never got an outcome${o.crashes[0] ? ` (${o.crashes[0]})` : ''}`,
      ),
  },
});
