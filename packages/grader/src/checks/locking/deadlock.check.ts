import { ensure } from '../../engine/check-failure.ts';
import { startReplicas } from '../../engine/drive.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { crossedSalvo, produceBehindRowGate } from '../../workloads/crossed-salvo.ts';
import { order, type OrderMessage } from '../../workloads/messages.ts';
import { expectedStock, roundRobin } from '../../workloads/plan.ts';
import { expectComplete, expectStock } from '../verdicts.ts';

const PARTITIONS = 6;
const WAVES = 4;
const STOCK = 100_000;
/** One triple of SKUs per pair of partitions: (0,1) on DL1-3, (2,3) on DL4-6, (4,5) on DL7-9. */
const triple = (pair: number): string[] => [1, 2, 3].map((n) => `DL${pair * 3 + n}`);

/**
 * Then every position of every partition is a 3-line order on its pair's SKUs; the even
 * partition lists them forwards, the odd one backwards: more crossings, left to timing.
 */
function waves(): OrderMessage[] {
  const messages: OrderMessage[] = [];
  for (let wave = 0; wave < WAVES; wave++) {
    for (let p = 0; p < PARTITIONS; p++) {
      const skus = triple(Math.floor(p / 2));
      const lines = (p % 2 === 0 ? skus : [...skus].reverse()).map((sku) => ({ sku, quantity: 1 }));
      messages.push(order(`dl-${wave}-${p}`, lines));
    }
  }
  return messages;
}

interface Observations {
  messages: OrderMessage[];
  outcome: Map<string, string>;
  stock: Map<string, number>;
  expected: Map<string, number>;
  missing: number;
}

export default defineScenario<Observations>({
  id: 'deadlock',
  budgetMs: 40_000,
  async run(ctx, track) {
    const skus = [0, 1, 2].flatMap(triple);
    const system = track(await System.create(ctx, { scenario: 'deadlock', latencyMs: 20, products: Object.fromEntries(skus.map((s) => [s, STOCK])) }));
    await startReplicas(system, 3);
    // One partition per replica: kafkajs fetches again only once a fetch's batches are handled,
    // so a replica blocked on its first order would not start a second one anyway.
    // The opening salvo (one order per replica, crossed on DL1-3) waits at a row gate on DL2.
    const opening = await crossedSalvo(system, 'dl-salvo', triple(0));
    await produceBehindRowGate(system, opening, triple(0)[1] ?? 'DL2');
    const rest = waves();
    // Round-robin over six partitions puts message i on partition i % 6: each wave is one position.
    await system.produce(roundRobin(rest, PARTITIONS));
    const messages = [...opening.map((o) => o.message), ...rest];
    const drained = await system.drain(messages.map((m) => m.id), 30_000);
    const rows = await system.outcomes();
    const outcome = new Map<string, string>();
    for (const row of rows) if (!outcome.has(row.message_id)) outcome.set(row.message_id, row.outcome);
    return {
      messages,
      outcome,
      stock: await system.stock(),
      expected: expectedStock(system.seedStock, messages.filter((m) => outcome.get(m.id) === 'applied')),
      missing: drained.missing.length,
    };
  },
  checks: {
    'locking.crossed_orders_applied': (o) => {
      expectComplete(o.missing, o.messages.length);
      const bad = o.messages.filter((m) => o.outcome.get(m.id) !== 'applied');
      ensure(
        bad.length === 0,
        () => `${bad.length} of ${o.messages.length} orders with ample stock, listing the same SKUs in opposite orders, were not applied (deadlock not avoided or not retried; e.g. ${bad[0]?.id}: ${o.outcome.get(bad[0]?.id ?? '') ?? 'no outcome'})`,
      );
      expectStock('Stock disagrees with the applied crossed orders', o.expected, o.stock);
    },
  },
});
