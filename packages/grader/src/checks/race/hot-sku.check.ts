import { ensure } from '../../engine/check-failure.ts';
import { startReplicas } from '../../engine/drive.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { restock } from '../../workloads/messages.ts';
import { outcomeCounts, roundRobin } from '../../workloads/plan.ts';
import { expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const RESTOCKS = 180;
const SEED = 100;

interface Observations {
  stock: Map<string, number>;
  counts: Map<string, number>;
  applied: number;
  ids: string[];
}

defineScenario<Observations>({
  id: 'hot_sku',
  budgetMs: 45_000,
  async run(ctx, track) {
    const system = track(await System.create(ctx, { scenario: 'hot_sku', latencyMs: 8, products: { HOT: SEED } }));
    const messages = Array.from({ length: RESTOCKS }, (_, i) => restock(`hot-${i}`, 'HOT', 1));
    // Replicas first, then one batch: every replica holds partitions when the backlog lands, so
    // all three work on the same SKU at once (a lone first replica cannot take everything).
    await startReplicas(system, 3);
    await system.produce(roundRobin(messages, 6));
    const ids = messages.map((m) => m.id);
    await system.drain(ids, 30_000);
    const rows = await system.outcomes();
    return { stock: await system.stock(), counts: outcomeCounts(rows), applied: rows.filter((r) => r.outcome === 'applied').length, ids };
  },
  checks: {
    'race.hot_sku_restocks_conserved': (o) => expectStock('Lost updates detected', new Map([['HOT', SEED + RESTOCKS]]), o.stock),
    'race.hot_sku_all_applied': (o) =>
      ensure(o.applied === RESTOCKS, () => `expected ${RESTOCKS} restocks recorded as applied, got ${o.applied}`),
    'idempotency.hot_sku_one_outcome_each': (o) => expectOneOutcomeEach('Hot SKU restocks', o.ids, o.counts),
  },
});
