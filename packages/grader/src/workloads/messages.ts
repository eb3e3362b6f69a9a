/**
 * Typed constructors and serialisers for the messages of docs/CONTRACT.md section 4, plus a
 * catalogue of invalid payloads. Constructors refuse to build a message the contract calls
 * invalid (that would be a bug in a workload, not in a target): invalid payloads are built on
 * purpose with `invalidPayloads()`.
 */

export const LIMITS = {
  maxIdLength: 200,
  maxSkuLength: 200,
  maxAbsDelta: 1_000_000,
  maxQuantity: 1_000_000,
  maxLines: 50,
} as const;

export type Outcome = 'applied' | 'rejected' | 'invalid';
export const OUTCOMES: readonly Outcome[] = ['applied', 'rejected', 'invalid'];

export interface AdjustMessage {
  readonly id: string;
  readonly type: 'adjust';
  readonly sku: string;
  readonly delta: number;
}

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
}

export interface OrderMessage {
  readonly id: string;
  readonly type: 'order';
  readonly lines: readonly OrderLine[];
}

export type ContractMessage = AdjustMessage | OrderMessage;

/** One record to produce: `partition` set means "exactly this partition", beating the key hash. */
export interface ProducedRecord {
  /** The id the outcome must be recorded under. */
  readonly id: string;
  readonly key: string | null;
  readonly value: string;
  readonly partition?: number;
}

function checkId(id: string): void {
  if (id.length < 1 || id.length > LIMITS.maxIdLength) throw new RangeError(`message id must have 1..${LIMITS.maxIdLength} characters: ${JSON.stringify(id)}`);
}

function checkSku(sku: string): void {
  if (sku.length < 1 || sku.length > LIMITS.maxSkuLength) throw new RangeError(`sku must have 1..${LIMITS.maxSkuLength} characters: ${JSON.stringify(sku)}`);
}

export function adjust(id: string, sku: string, delta: number): AdjustMessage {
  checkId(id);
  checkSku(sku);
  if (!Number.isInteger(delta) || delta === 0 || Math.abs(delta) > LIMITS.maxAbsDelta) {
    throw new RangeError(`delta must be a non-zero integer with |delta| <= ${LIMITS.maxAbsDelta}: ${delta}`);
  }
  return { id, type: 'adjust', sku, delta };
}

export const restock = (id: string, sku: string, quantity: number): AdjustMessage => adjust(id, sku, Math.abs(quantity));
export const sale = (id: string, sku: string, quantity: number): AdjustMessage => adjust(id, sku, -Math.abs(quantity));

export function order(id: string, lines: readonly OrderLine[]): OrderMessage {
  checkId(id);
  if (lines.length < 1 || lines.length > LIMITS.maxLines) throw new RangeError(`an order has 1..${LIMITS.maxLines} lines, got ${lines.length}`);
  const seen = new Set<string>();
  for (const line of lines) {
    checkSku(line.sku);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > LIMITS.maxQuantity) {
      throw new RangeError(`quantity must be an integer in 1..${LIMITS.maxQuantity}: ${line.quantity}`);
    }
    if (seen.has(line.sku)) throw new RangeError(`sku ${line.sku} appears twice in order ${id}`);
    seen.add(line.sku);
  }
  return { id, type: 'order', lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) };
}

/** The JSON value, with fields in contract order. */
export function serialise(message: ContractMessage): string {
  return message.type === 'adjust'
    ? JSON.stringify({ id: message.id, type: 'adjust', sku: message.sku, delta: message.delta })
    : JSON.stringify({ id: message.id, type: 'order', lines: message.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) });
}

/** The usual Kafka key: the SKU, or an order's first line's SKU. */
export function messageKey(message: ContractMessage): string {
  const first = message.type === 'adjust' ? message.sku : message.lines[0]?.sku;
  if (first === undefined) throw new RangeError(`order ${message.id} has no lines`);
  return first;
}

export function toRecord(message: ContractMessage, partition?: number): ProducedRecord {
  return { id: message.id, key: messageKey(message), value: serialise(message), ...(partition !== undefined ? { partition } : {}) };
}

/** Stock change per SKU if the message is applied (orders decrement). */
export function stockEffects(message: ContractMessage): Map<string, number> {
  return message.type === 'adjust'
    ? new Map([[message.sku, message.delta]])
    : new Map(message.lines.map((l) => [l.sku, -l.quantity]));
}

/** The id under which a message whose own id cannot be read is recorded. */
export function fallbackMessageId(topic: string, partition: number, offset: string | number | bigint): string {
  return `${topic}/${partition}/${String(offset)}`;
}

export interface InvalidPayload {
  /** What makes it invalid (for reports). */
  readonly reason: string;
  /** The raw value to produce. */
  readonly value: string;
  /**
   * The id the outcome is recorded under, or null when the id cannot be read and the outcome
   * goes under `fallbackMessageId(topic, partition, offset)`.
   */
  readonly id: string | null;
}

/**
 * One payload for every kind of invalid message in the contract. Ids are `${prefix}-<n>`;
 * `knownSku` must exist in products (so only the named defect makes the message invalid).
 */
export function invalidPayloads(prefix: string, knownSku: string): InvalidPayload[] {
  const id = (n: number): string => `${prefix}-${n}`;
  const withId = (n: number, reason: string, body: Record<string, unknown>): InvalidPayload => ({
    reason,
    id: id(n),
    value: JSON.stringify({ id: id(n), ...body }),
  });
  return [
    { reason: 'not JSON', id: null, value: `{"id": "${id(0)}", "type": "adjust", "sku": "${knownSku}", "delta": 1` },
    { reason: 'JSON null', id: null, value: 'null' },
    { reason: 'JSON array', id: null, value: JSON.stringify([{ id: id(2), type: 'adjust', sku: knownSku, delta: 1 }]) },
    { reason: 'missing id', id: null, value: JSON.stringify({ type: 'adjust', sku: knownSku, delta: 1 }) },
    { reason: 'numeric id', id: null, value: JSON.stringify({ id: 4, type: 'adjust', sku: knownSku, delta: 1 }) },
    { reason: 'empty id', id: null, value: JSON.stringify({ id: '', type: 'adjust', sku: knownSku, delta: 1 }) },
    { reason: 'id too long', id: null, value: JSON.stringify({ id: 'x'.repeat(LIMITS.maxIdLength + 1), type: 'adjust', sku: knownSku, delta: 1 }) },
    withId(7, 'unknown type', { type: 'refund', sku: knownSku, delta: 1 }),
    withId(8, 'missing type', { sku: knownSku, delta: 1 }),
    withId(9, 'zero delta', { type: 'adjust', sku: knownSku, delta: 0 }),
    withId(10, 'fractional delta', { type: 'adjust', sku: knownSku, delta: 1.5 }),
    withId(11, 'string delta', { type: 'adjust', sku: knownSku, delta: '5' }),
    withId(12, 'delta out of range', { type: 'adjust', sku: knownSku, delta: LIMITS.maxAbsDelta + 1 }),
    withId(13, 'missing sku', { type: 'adjust', delta: 1 }),
    withId(14, 'unknown sku (adjust)', { type: 'adjust', sku: `${prefix}-no-such-sku`, delta: 1 }),
    withId(15, 'empty lines', { type: 'order', lines: [] }),
    withId(16, 'too many lines', {
      type: 'order',
      lines: Array.from({ length: LIMITS.maxLines + 1 }, (_, i) => ({ sku: `${knownSku}-${i}`, quantity: 1 })),
    }),
    withId(17, 'zero quantity', { type: 'order', lines: [{ sku: knownSku, quantity: 0 }] }),
    withId(18, 'negative quantity', { type: 'order', lines: [{ sku: knownSku, quantity: -2 }] }),
    withId(19, 'quantity out of range', { type: 'order', lines: [{ sku: knownSku, quantity: LIMITS.maxQuantity + 1 }] }),
    withId(20, 'duplicate sku in order', { type: 'order', lines: [{ sku: knownSku, quantity: 1 }, { sku: knownSku, quantity: 1 }] }),
    withId(21, 'unknown sku (order)', { type: 'order', lines: [{ sku: knownSku, quantity: 1 }, { sku: `${prefix}-no-such-sku`, quantity: 1 }] }),
    withId(22, 'lines not an array', { type: 'order', lines: { sku: knownSku, quantity: 1 } }),
  ];
}
