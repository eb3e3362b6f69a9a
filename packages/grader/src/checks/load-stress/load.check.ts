import { ensure } from '../../engine/check-failure.ts';
import { startReplicas } from '../../engine/drive.ts';
import { StockSampler, type StockObservation } from '../../engine/observers.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { adjust, invalidPayloads, order, serialise, type ContractMessage } from '../../workloads/messages.ts';
import { byId, expectedStock, outcomeCounts, roundRobin, type PlannedRecord } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectComplete, expectNeverNegative, expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const SKUS = Array.from({ length: 100 }, (_, i) => `LD${i + 1}`);
const MESSAGES = 1500;
const BUDGET_MS = 45_000;

interface Observations {
  stock: Map<string, number>;
  expected: Map<string, number>;
  counts: Map<string, number>;
  ids: string[];
  missing: readonly string[];
  elapsedMs: number;
  sampled: StockObservation;
}

defineScenario<Observations>({
  id: 'load',
  budgetMs: BUDGET_MS + 20_000,
  async run(ctx, track) {
    const rnd = new SeededRandom(ctx.seed, 'load');
    const products = Object.fromEntries(SKUS.map((s) => [s, rnd.int(5, 60)]));
    const system = track(await System.create(ctx, { scenario: 'load', latencyMs: 3, products }));
    const messages: ContractMessage[] = Array.from({ length: MESSAGES }, (_, i) => {
      const roll = rnd.int(0, 9);
      const id = `load-${i}`;
      if (roll < 5) return adjust(id, rnd.pick(SKUS), rnd.int(1, 5));
      if (roll < 8) return adjust(id, rnd.pick(SKUS), -rnd.int(1, 5));
      return order(id, rnd.sample(SKUS, rnd.int(2, 4)).map((sku) => ({ sku, quantity: rnd.int(1, 3) })));
    });
    const records: PlannedRecord[] = roundRobin(messages, 6);
    // 5 % delivered again on another partition, and some invalid messages mixed in.
    for (const m of rnd.sample(messages, MESSAGES / 20)) records.push({ id: m.id, key: null, value: serialise(m), partition: rnd.int(0, 5) });
    for (const bad of invalidPayloads('load-invalid', 'LD1')) records.push({ id: bad.id, key: null, value: bad.value, partition: rnd.int(0, 5) });
    const shuffled = rnd.shuffle(records);
    await startReplicas(system, 3);
    const sampler = new StockSampler(system, byId(messages), 50).start();
    const placements = await system.produce(shuffled);
    const ids = [...new Set(placements.map((p) => p.id))];
    const drained = await system.drain(ids, BUDGET_MS);
    const sampled = await sampler.stop();
    const rows = await system.outcomes();
    const applied = new Set(rows.filter((r) => r.outcome === 'applied').map((r) => r.message_id));
    return {
      stock: await system.stock(),
      expected: expectedStock(system.seedStock, messages.filter((m) => applied.has(m.id))),
      counts: outcomeCounts(rows),
      ids,
      missing: drained.missing,
      elapsedMs: drained.elapsedMs,
      sampled,
    };
  },
  checks: {
    'load_stress.conserved': (o) => {
      expectComplete(o.missing.length, o.ids.length);
      expectStock('Data corrupted under load', o.expected, o.stock);
    },
    'load_stress.exactly_once': (o) => expectOneOutcomeEach('Under load', o.ids, o.counts),
    'load_stress.never_negative': (o) => {
      expectComplete(o.missing.length, o.ids.length);
      expectNeverNegative('Under load', o.sampled.minStock, o.sampled.samples);
    },
    'load_stress.completes': (o) =>
      ensure(o.missing.length === 0, () => `${o.missing.length} of ${o.ids.length} messages had no outcome after ${Math.round(o.elapsedMs / 1000)} s`),
    'load_stress.snapshot_consistent': (o) => {
      expectComplete(o.missing.length, o.ids.length);
      ensure(o.sampled.inconsistentSamples === 0, () => `${o.sampled.inconsistentSamples} of ${o.sampled.samples} snapshots showed stock disagreeing with applied outcomes (e.g. ${o.sampled.example})`);
    },
  },
});
