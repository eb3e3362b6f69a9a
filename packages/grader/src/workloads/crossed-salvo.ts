import type { System } from '../engine/system.ts';
import { RowGate } from '../faults/row-gate.ts';
import { order, serialise, type OrderMessage } from './messages.ts';

/** A message and the partition it is produced on. */
export interface Placed {
  message: OrderMessage;
  partition: number;
}

/**
 * One order per replica (on the first partition each one holds, or 0-2 when the group does not
 * say), listing `skus` forwards, backwards, forwards, one unit each; ids `${idPrefix}-${i}`.
 */
export async function crossedSalvo(system: System, idPrefix: string, skus: readonly string[]): Promise<Placed[]> {
  const firsts = await system.firstPartitions();
  const partitions = firsts.length >= 3 ? firsts.slice(0, 3) : [0, 1, 2];
  return partitions.map((partition, i) => ({
    partition,
    message: order(`${idPrefix}-${i}`, (i % 2 === 0 ? skus : [...skus].reverse()).map((sku) => ({ sku, quantity: 1 }))),
  }));
}

/**
 * Produces a crossed salvo while the grader holds the row of `gateSku` (its middle SKU) until
 * every order of it waits on a lock: a target that locks rows line by line in message order then
 * holds the first SKU in one replica and the last in another, both waiting for the middle one,
 * and releasing it deadlocks them in every run (left to timing, crossed orders can fall into a
 * rhythm where each waits on its first lock and no deadlock ever happens). A target that never
 * has that many orders in flight does not fill the gate; it opens after 5 s.
 */
export async function produceBehindRowGate(system: System, salvo: readonly Placed[], gateSku: string): Promise<void> {
  await behindRowGate(system, gateSku, salvo.length, () =>
    system.produce(salvo.map(({ message, partition }) => ({ id: message.id, key: null, value: serialise(message), partition }))),
  );
}

/**
 * Runs `produce` while the grader holds the row of `gateSku`, then lets the target's
 * transactions go once `waiters` of them wait on a lock (or after 5 s), and marks the timeline.
 */
export async function behindRowGate(system: System, gateSku: string, waiters: number, produce: () => Promise<unknown>): Promise<void> {
  const gate = await RowGate.close(system.db, [gateSku]);
  try {
    await produce();
  } finally {
    const opened = await gate.openWhen(waiters, 5_000);
    system.mark(`row gate on ${gateSku} opened after ${opened.heldMs} ms with ${opened.waiting} target transaction(s) waiting on locks`);
  }
}
