import { ensure } from '../../engine/check-failure.ts';
import { startReplicas } from '../../engine/drive.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { restock } from '../../workloads/messages.ts';
import { outcomeCounts, roundRobin } from '../../workloads/plan.ts';
import { expectAppliedEffects, expectOneOutcomeEach } from '../verdicts.ts';

const RESTOCKS = 180;
const SEED = 100;

interface Observations {
  stock: Map<string, number>;
  counts: Map<string, number>;
  applied: number;
  /** Distinct restocks with an `applied` outcome. */
  appliedIds: number;
  ids: string[];
}

export default defineScenario<Observations>({
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
    const applied = rows.filter((r) => r.outcome === 'applied');
    return { stock: await system.stock(), counts: outcomeCounts(rows), applied: applied.length, appliedIds: new Set(applied.map((r) => r.message_id)).size, ids };
  },
  checks: {
    // Judged on the restocks recorded as applied: one with no outcome is race.hot_sku_all_applied's
    // failure (a replica that stopped), not a lost update.
    'race.hot_sku_restocks_conserved': (o) => expectAppliedEffects('HOT', SEED, o.appliedIds, 1, o.stock.get('HOT')),
    'race.hot_sku_all_applied': (o) =>
      ensure(o.applied === RESTOCKS, () => {
        const ways = [
          o.appliedIds < RESTOCKS ? `${RESTOCKS - o.appliedIds} restock(s) not recorded as applied` : '',
          o.applied > o.appliedIds ? `${o.applied - o.appliedIds} duplicate applied outcome row(s)` : '',
        ].filter(Boolean);
        return `expected ${RESTOCKS} restocks recorded as applied, got ${o.applied}${ways.length ? ` (${ways.join(', ')})` : ''}`;
      }),
    'idempotency.hot_sku_one_outcome_each': (o) => expectOneOutcomeEach('Hot SKU restocks', o.ids, o.counts),
  },
});
