import { defineScenario } from '../../engine/scenario.ts';
import { CheckFailure, ensure } from '../../engine/check-failure.ts';
import { startReplicas, waitForCount } from '../../engine/drive.ts';
import { System, type Placement } from '../../engine/system.ts';
import { RowGate } from '../../faults/row-gate.ts';
import { invalidPayloads, order, restock, sale, serialise, stockEffects, type ContractMessage } from '../../workloads/messages.ts';
import { outcomeCounts } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const SEED_STOCK = { S0: 10, S1: 5, S2: 3, S3: 0, S4: 10, S5: 2, S6: 7, S7: 50, S8: 5 };
/**
 * The partition opens with an order on S0 and S8, then a sale on S8 alone. In offset order the
 * order takes all of S8 and the sale is rejected. The grader holds S0's row while they arrive:
 * a target that keeps partition order cannot touch the sale before the order, one that runs a
 * batch's messages at once applies the sale first and must then reject the order. Every run.
 */
const GATED_ORDER = order('seq-gated-order', [{ sku: 'S0', quantity: 1 }, { sku: 'S8', quantity: 5 }]);
const GATED_SALE = sale('seq-gated-sale', 'S8', 3);
/** How long the gate waits for the sale once the order waits on it (an in-order target never gets there). */
const GATE_HOLD_MS = 3_000;
const BUSY = ['S1', 'S2', 'S3', 'S4', 'S5'];

/** The in-order semantics of the contract: apply if no stock would go below zero, else reject. */
function model(messages: readonly ContractMessage[]): { stock: Map<string, number>; outcomes: Map<string, 'applied' | 'rejected'> } {
  const stock = new Map(Object.entries(SEED_STOCK));
  const outcomes = new Map<string, 'applied' | 'rejected'>();
  for (const m of messages) {
    const effects = stockEffects(m);
    const ok = [...effects].every(([sku, d]) => (stock.get(sku) ?? 0) + d >= 0);
    if (ok) for (const [sku, d] of effects) stock.set(sku, (stock.get(sku) ?? 0) + d);
    outcomes.set(m.id, ok ? 'applied' : 'rejected');
  }
  return { stock, outcomes };
}

function workload(seed: number): ContractMessage[] {
  const rnd = new SeededRandom(seed, 'sequential');
  const messages: ContractMessage[] = [];
  for (let i = 0; i < 36; i++) {
    const kind = rnd.int(0, 2);
    const id = `seq-${i}`;
    if (kind === 0) messages.push(restock(id, rnd.pick(BUSY), rnd.int(1, 4)));
    else if (kind === 1) messages.push(sale(id, rnd.pick(BUSY), rnd.int(1, 5)));
    else messages.push(order(id, rnd.sample(BUSY, rnd.int(2, 3)).map((sku) => ({ sku, quantity: rnd.int(1, 3) }))));
  }
  // Always rejected, in any order: S6 and S7 are touched by nothing else.
  messages.splice(10, 0, sale('seq-doomed-sale', 'S6', 8));
  messages.splice(20, 0, order('seq-doomed-order', [{ sku: 'S7', quantity: 2 }, { sku: 'S6', quantity: 9 }]));
  return [GATED_ORDER, GATED_SALE, ...messages];
}

interface Observations {
  stock: Map<string, number>;
  model: ReturnType<typeof model>;
  counts: Map<string, number>;
  firstOutcome: Map<string, string>;
  validIds: string[];
  invalidIds: string[];
  missing: readonly string[];
  crashes: string[];
}

export default defineScenario<Observations>({
  id: 'sequential',
  budgetMs: 40_000,
  async run(ctx, track) {
    const system = track(await System.create(ctx, { scenario: 'sequential', latencyMs: 2, products: SEED_STOCK }));
    const valid = workload(ctx.seed);
    const invalid = invalidPayloads('seq-invalid', 'S1');
    // Everything on partition 0, in this order, poison messages interleaved.
    const records: { id: string | null; key: string | null; value: string; partition: number }[] = [];
    valid.forEach((m, i) => {
      records.push({ id: m.id, key: null, value: serialise(m), partition: 0 });
      const bad = invalid[i];
      if (bad) records.push({ id: bad.id, key: null, value: bad.value, partition: 0 });
    });
    await startReplicas(system, 1);
    const gate = await RowGate.close(system.db, ['S0']);
    let placements: Placement[];
    try {
      placements = await system.produce(records);
      const waiting = await gate.waitFor(1, 5_000);
      // For an in-order target this runs into its timeout: the sale cannot start before the order.
      const ranFirst = await waitForCount(system, [GATED_SALE.id], 1, GATE_HOLD_MS).then(
        () => true,
        (error: unknown) => {
          if (error instanceof CheckFailure) return false;
          throw error;
        },
      );
      system.mark(`row gate on S0: ${waiting} target transaction(s) waiting; the sale behind the order ${ranFirst ? 'RAN FIRST' : 'did not run'}`);
    } finally {
      await gate.open();
    }
    const validIds = new Set(valid.map((m) => m.id));
    const invalidIds = placements.map((p) => p.id).filter((id) => !validIds.has(id));
    const drained = await system.drain(placements.map((p) => p.id), 25_000);
    const rows = await system.outcomes();
    const firstOutcome = new Map<string, string>();
    for (const row of rows) if (!firstOutcome.has(row.message_id)) firstOutcome.set(row.message_id, row.outcome);
    return {
      stock: await system.stock(),
      model: model(valid),
      counts: outcomeCounts(rows),
      firstOutcome,
      validIds: valid.map((m) => m.id),
      invalidIds,
      missing: drained.missing,
      crashes: system.replicas.crashes(),
    };
  },
  checks: {
    'race.sequential_final_stock': (o) => expectStock('Sequential updates', o.model.stock, o.stock),
    'atomic.sequential_outcomes': (o) => {
      const wrong = o.validIds.filter((id) => o.firstOutcome.get(id) !== o.model.outcomes.get(id));
      ensure(wrong.length === 0, () => {
        // One count per way an outcome is wrong: applied instead of rejected is not rejected instead of applied.
        const ways = new Map<string, string[]>();
        for (const id of wrong) {
          const way = `${o.firstOutcome.get(id) ?? 'with no outcome'} instead of ${o.model.outcomes.get(id)}`;
          ways.set(way, [...(ways.get(way) ?? []), id]);
        }
        return `${wrong.length} of ${o.validIds.length} messages got the wrong outcome: ${[...ways].map(([way, ids]) => `${ids.length} ${way} (e.g. ${ids[0]})`).join(', ')}`;
      });
    },
    'atomic.rejected_has_no_effect': (o) => {
      ensure(o.firstOutcome.get('seq-doomed-sale') === 'rejected', () => `a sale of 8 with stock 7 was ${o.firstOutcome.get('seq-doomed-sale') ?? 'not recorded'}, expected rejected`);
      ensure(o.firstOutcome.get('seq-doomed-order') === 'rejected', () => `an order needing 9 of a stock of 7 was ${o.firstOutcome.get('seq-doomed-order') ?? 'not recorded'}, expected rejected`);
      expectStock('Rejected messages changed stock', new Map([['S6', 7], ['S7', 50]]), o.stock);
    },
    'idempotency.invalid_recorded_once': (o) => {
      expectOneOutcomeEach('Invalid messages', o.invalidIds, o.counts);
      const notInvalid = o.invalidIds.filter((id) => o.firstOutcome.get(id) !== 'invalid');
      ensure(notInvalid.length === 0, () => `${notInvalid.length} invalid message(s) recorded as something else (e.g. ${notInvalid[0]}: ${o.firstOutcome.get(notInvalid[0] ?? '')})`);
    },
    'consumer_offsets.poison_does_not_stall': (o) => {
      const stalled = o.validIds.filter((id) => o.missing.includes(id));
      ensure(o.missing.length === 0, () => `partition stalled behind a poison message: ${stalled.length} valid and ${o.missing.length - stalled.length} invalid message(s) never got an outcome${o.crashes.length ? ` (${o.crashes[0]})` : ''}`);
    },
  },
});
