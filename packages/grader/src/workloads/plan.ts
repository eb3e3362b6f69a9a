import { toRecord, type ContractMessage, stockEffects } from './messages.ts';

/** A record to produce on an explicit partition; `id: null` = the contract's fallback id. */
export interface PlannedRecord {
  readonly id: string | null;
  readonly key: string | null;
  readonly value: string;
  readonly partition: number;
}

/** Round-robin over partitions, starting at `offset`. */
export function roundRobin(messages: readonly ContractMessage[], partitions: number, offset = 0): PlannedRecord[] {
  return messages.map((m, i) => ({ ...toRecord(m), partition: (i + offset) % partitions }));
}

/** Every message once on each of `partitions` partitions: with ≥2 replicas, copies reach several. */
export function onEveryPartition(messages: readonly ContractMessage[], partitions: number): PlannedRecord[] {
  return Array.from({ length: partitions }, (_, p) => messages.map((m) => ({ ...toRecord(m), partition: p }))).flat();
}

export function byId(messages: readonly ContractMessage[]): Map<string, ContractMessage> {
  return new Map(messages.map((m) => [m.id, m]));
}

/** seed + Σ effects of the given messages (each counted once). */
export function expectedStock(seed: ReadonlyMap<string, number>, applied: Iterable<ContractMessage>): Map<string, number> {
  const stock = new Map(seed);
  for (const message of applied) {
    for (const [sku, delta] of stockEffects(message)) stock.set(sku, (stock.get(sku) ?? 0) + delta);
  }
  return stock;
}

/** message id → number of outcome rows. */
export function outcomeCounts(rows: readonly { message_id: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.message_id, (counts.get(row.message_id) ?? 0) + 1);
  return counts;
}
