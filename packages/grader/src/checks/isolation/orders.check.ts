import { ensure } from '../../engine/check-failure.ts';
import { startReplicas } from '../../engine/drive.ts';
import { StockSampler, type StockObservation } from '../../engine/observers.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { behindRowGate, crossedSalvo, produceBehindRowGate } from '../../workloads/crossed-salvo.ts';
import { order, type OrderMessage } from '../../workloads/messages.ts';
import { byId, expectedStock, roundRobin } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectComplete, expectNeverNegative, expectStock } from '../verdicts.ts';

const SCARCE = Array.from({ length: 6 }, (_, i) => `SC${i + 1}`);
const PLENTY = Array.from({ length: 20 }, (_, i) => `PL${i + 1}`);
const DOOMED = ['DM1', 'DM2', 'DM3'];
const SCARCE_STOCK = 12;
const PLENTY_STOCK = 100_000;
const DOOMED_STOCK = 50;

/**
 * Scarce salvos, one message per partition at the same position, so the six partitions start
 * them together (the first behind a row gate): unit-heavy orders on one scarce SKU (any two
 * overlapping check-then-act reads oversell it).
 */
function salvos(): OrderMessage[][] {
  const scarce = (round: number, sku: string): OrderMessage[] =>
    Array.from({ length: 6 }, (_, p) => order(`ord-salvo-${round}-${p}`, [{ sku, quantity: 7 }, { sku: PLENTY[p] ?? 'PL1', quantity: 1 }]));
  return [scarce(0, 'SC1'), scarce(2, 'SC2')];
}

/**
 * The SKUs of the crossed opening, produced before everything else behind a row gate on the
 * middle one (produceBehindRowGate): a target that neither orders its locks nor retries rejects
 * a valid order in every run.
 */
const CROSSED = ['PL11', 'PL12', 'PL13'] as const;

/** Everything but the crossed opening, in the order it is produced. */
function workload(seed: number): { all: OrderMessage[]; randomPlenty: OrderMessage[]; doomed: OrderMessage[] } {
  const rnd = new SeededRandom(seed, 'orders');
  const contested = Array.from({ length: 120 }, (_, i) => {
    const skus = [...rnd.sample(SCARCE, rnd.int(1, 2)), ...rnd.sample(PLENTY, rnd.int(1, 2))];
    return order(`ord-${i}`, rnd.shuffle(skus).map((sku) => ({ sku, quantity: rnd.int(1, 3) })));
  });
  // Lines in random order on shared SKUs: concurrent orders lock rows in conflicting orders.
  const randomPlenty = Array.from({ length: 18 }, (_, i) => order(`ord-plenty-${i}`, rnd.sample(PLENTY, rnd.int(3, 4)).map((sku) => ({ sku, quantity: rnd.int(1, 3) }))));
  // Twelve lines, the last asking far more than any stock: rejected in every order of events.
  const doomed = Array.from({ length: 6 }, (_, i) =>
    order(`ord-doomed-${i}`, [
      ...DOOMED.map((sku) => ({ sku, quantity: 1 })),
      ...rnd.sample(PLENTY, 8).map((sku) => ({ sku, quantity: 1 })),
      { sku: rnd.pick(SCARCE), quantity: 1000 },
    ]),
  );
  const scarceSalvos = salvos();
  // Round-robin over six partitions puts message i on partition i % 6: each salvo is one position.
  const all = [...scarceSalvos.flat(), ...rnd.shuffle([...contested, ...randomPlenty, ...doomed])];
  return { all, randomPlenty, doomed };
}

interface Observations {
  stock: Map<string, number>;
  expected: Map<string, number>;
  outcome: Map<string, string>;
  oversold: [string, number][];
  plentyOnly: OrderMessage[];
  doomed: OrderMessage[];
  sampled: StockObservation;
  missing: number;
  total: number;
}

export default defineScenario<Observations>({
  id: 'orders',
  // 5 s of them for the crossed opening's gate when a target never fills it, 15 s for its drain.
  budgetMs: 65_000,
  async run(ctx, track) {
    const products = {
      ...Object.fromEntries(SCARCE.map((s) => [s, SCARCE_STOCK])),
      ...Object.fromEntries(PLENTY.map((s) => [s, PLENTY_STOCK])),
      ...Object.fromEntries(DOOMED.map((s) => [s, DOOMED_STOCK])),
    };
    const system = track(await System.create(ctx, { scenario: 'orders', latencyMs: 15, products }));
    const { all: rest, randomPlenty, doomed } = workload(ctx.seed);
    await startReplicas(system, 3);
    const opening = await crossedSalvo(system, 'ord-plenty-cross', CROSSED);
    const all = [...opening.map((o) => o.message), ...rest];
    const plentyOnly = [...opening.map((o) => o.message), ...randomPlenty];
    const sampler = new StockSampler(system, byId(all)).start();
    await produceBehindRowGate(system, opening, CROSSED[1]);
    // The salvos behind it must start on all six partitions together: a partition still busy
    // with a deadlocked opening order would start them late and let check-then-act reads miss
    // each other. A target that never finishes the opening is judged on it (drain below).
    await system.drain(opening.map((o) => o.message.id), 15_000, 0);
    // The first scarce salvo waits behind a row gate on its SKU until three of its orders wait
    // on a lock (a replica may hold its second partition back until its first is done): a
    // check-then-act that reads without locking has then read the full stock in all three
    // (reads do not wait on row locks) and oversells in every run; left to timing, a fast
    // target's orders could start a few milliseconds apart and miss each other.
    await behindRowGate(system, SCARCE[0] ?? 'SC1', 3, () => system.produce(roundRobin(rest, 6)));
    const drained = await system.drain(all.map((m) => m.id), 30_000);
    const sampled = await sampler.stop();
    const rows = await system.outcomes();
    const outcome = new Map<string, string>();
    for (const row of rows) if (!outcome.has(row.message_id)) outcome.set(row.message_id, row.outcome);
    const applied = all.filter((m) => outcome.get(m.id) === 'applied');
    const taken = new Map(SCARCE.map((s) => [s, 0]));
    for (const m of applied) for (const line of m.lines) if (taken.has(line.sku)) taken.set(line.sku, (taken.get(line.sku) ?? 0) + line.quantity);
    return {
      stock: await system.stock(),
      expected: expectedStock(system.seedStock, applied),
      outcome,
      oversold: [...taken].filter(([, n]) => n > SCARCE_STOCK),
      plentyOnly,
      doomed,
      sampled,
      missing: drained.missing.length,
      total: all.length,
    };
  },
  checks: {
    'race.orders_conserved': (o) => {
      expectComplete(o.missing, o.total);
      expectStock('Stock does not match the applied orders', o.expected, o.stock);
    },
    'race.orders_never_negative': (o) => {
      expectComplete(o.missing, o.total);
      expectNeverNegative('Orders', o.sampled.minStock, o.sampled.samples);
    },
    'isolation.orders_no_write_skew': (o) => {
      expectComplete(o.missing, o.total);
      ensure(o.oversold.length === 0, () => `applied orders took more than the stock of ${o.oversold.length} scarce SKU(s): ${o.oversold.map(([s, n]) => `${s} ${n} of ${SCARCE_STOCK}`).join(', ')}`);
    },
    'isolation.snapshot_consistent': (o) => {
      expectComplete(o.missing, o.total);
      // No snapshot at all (the grader could not read while the target ran) proves nothing.
      ensure(o.sampled.samples > 0, () => 'no snapshot of stock and outcomes could be taken while the target ran');
      ensure(
        o.sampled.inconsistentSamples === 0,
        () => `${o.sampled.inconsistentSamples} of ${o.sampled.samples} snapshots showed stock that disagrees with the applied outcomes (e.g. ${o.sampled.example})`,
      );
    },
    'atomic.orders_all_or_nothing': (o) => {
      const notRejected = o.doomed.filter((m) => o.outcome.get(m.id) !== 'rejected');
      ensure(notRejected.length === 0, () => `${notRejected.length} unfillable 12-line order(s) were not rejected (e.g. ${notRejected[0]?.id}: ${o.outcome.get(notRejected[0]?.id ?? '') ?? 'no outcome'})`);
      expectStock('A rejected order still changed stock', new Map(DOOMED.map((s) => [s, DOOMED_STOCK])), o.stock);
    },
    'isolation.no_spurious_rejection': (o) => {
      const bad = o.plentyOnly.filter((m) => o.outcome.get(m.id) !== 'applied');
      ensure(bad.length === 0, () => `${bad.length} of ${o.plentyOnly.length} orders with ample stock were not applied (e.g. ${bad[0]?.id}: ${o.outcome.get(bad[0]?.id ?? '') ?? 'no outcome'})`);
    },
  },
});
