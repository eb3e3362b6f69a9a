import { ensure } from '../../engine/check-failure.ts';
import { startReplicas } from '../../engine/drive.ts';
import { StockSampler, type StockObservation } from '../../engine/observers.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { sale } from '../../workloads/messages.ts';
import { byId, roundRobin } from '../../workloads/plan.ts';
import { expectComplete, expectNeverNegative, expectStock } from '../verdicts.ts';

const SKUS = ['OS1', 'OS2', 'OS3', 'OS4'];
const STOCK = 20;
const SALES_PER_SKU = 60;

interface Observations {
  stock: Map<string, number>;
  appliedPerSku: Map<string, number>;
  sampled: StockObservation;
  missing: number;
  total: number;
}

export default defineScenario<Observations>({
  id: 'oversell',
  budgetMs: 45_000,
  async run(ctx, track) {
    const products = Object.fromEntries(SKUS.map((s) => [s, STOCK]));
    const system = track(await System.create(ctx, { scenario: 'oversell', latencyMs: 8, products }));
    // Unit sales: whatever the order, exactly STOCK of each SKU's sales can be applied.
    const messages = SKUS.flatMap((sku) => Array.from({ length: SALES_PER_SKU }, (_, i) => sale(`oversell-${sku}-${i}`, sku, 1)));
    const interleaved = Array.from({ length: SALES_PER_SKU }, (_, i) => SKUS.map((_, s) => messages[s * SALES_PER_SKU + i])).flat().filter((m) => m !== undefined);
    await startReplicas(system, 3);
    const sampler = new StockSampler(system, byId(messages)).start();
    await system.produce(roundRobin(interleaved, 6));
    const drained = await system.drain(messages.map((m) => m.id), 30_000);
    const sampled = await sampler.stop();
    const rows = await system.outcomes();
    const appliedPerSku = new Map(SKUS.map((s) => [s, 0]));
    const seen = new Set<string>();
    for (const row of rows) {
      if (row.outcome !== 'applied' || seen.has(row.message_id)) continue;
      seen.add(row.message_id);
      const sku = row.message_id.split('-')[1] ?? '';
      appliedPerSku.set(sku, (appliedPerSku.get(sku) ?? 0) + 1);
    }
    return { stock: await system.stock(), appliedPerSku, sampled, missing: drained.missing.length, total: messages.length };
  },
  checks: {
    'race.oversell_never_negative': (o) => {
      expectComplete(o.missing, o.total);
      expectNeverNegative('Oversell', o.sampled.minStock, o.sampled.samples);
    },
    'race.oversell_sold_exactly_stock': (o) => {
      const wrong = [...o.appliedPerSku].filter(([, n]) => n !== STOCK);
      ensure(wrong.length === 0, () => `expected exactly ${STOCK} of ${SALES_PER_SKU} unit sales applied per SKU; ${wrong.map(([s, n]) => `${s}: ${n} (${n > STOCK ? `oversold by ${n - STOCK}` : `${STOCK - n} unit(s) of stock left unsold`})`).join(', ')}`);
    },
    'race.oversell_conserved': (o) =>
      expectStock('Stock does not match the applied sales (above: effects lost, below: more than the applied sales account for)', new Map(SKUS.map((s) => [s, STOCK - (o.appliedPerSku.get(s) ?? 0)])), o.stock),
  },
});
