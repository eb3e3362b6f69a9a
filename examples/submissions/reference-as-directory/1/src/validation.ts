/** The message format of docs/CONTRACT.md section 4. */
export const LIMITS = {
  maxIdLength: 200,
  maxSkuLength: 200,
  maxAbsDelta: 1_000_000,
  maxQuantity: 1_000_000,
  maxLines: 50,
} as const;

export interface AdjustMessage {
  readonly id: string;
  readonly type: 'adjust';
  readonly sku: string;
  /** > 0 restock, < 0 sale. */
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

export type InventoryMessage = AdjustMessage | OrderMessage;

/** `id` is undefined when the message is invalid and its id cannot be read. */
export type ParseResult =
  | { readonly ok: true; readonly message: InventoryMessage }
  | { readonly ok: false; readonly id: string | undefined; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readString(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length >= 1 && value.length <= max ? value : undefined;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Parses and validates one Kafka message value. Never throws: anything that is not a valid
 * message comes back as `{ ok: false }` so the caller records it as invalid and moves on.
 * (Whether a SKU exists is checked in the database, inside the message's transaction.)
 */
export function parseMessage(value: Buffer | Uint8Array | string | null): ParseResult {
  if (value === null) return { ok: false, id: undefined, reason: 'empty message value' };
  let data: unknown;
  try {
    data = JSON.parse(typeof value === 'string' ? value : utf8.decode(value));
  } catch {
    return { ok: false, id: undefined, reason: 'value is not UTF-8 JSON' };
  }
  if (!isRecord(data)) return { ok: false, id: undefined, reason: 'value is not a JSON object' };

  const id = readString(data.id, LIMITS.maxIdLength);
  if (id === undefined) return { ok: false, id: undefined, reason: `id must be a string of 1..${LIMITS.maxIdLength} characters` };
  const invalid = (reason: string): ParseResult => ({ ok: false, id, reason });

  if (data.type === 'adjust') {
    const sku = readString(data.sku, LIMITS.maxSkuLength);
    if (sku === undefined) return invalid(`sku must be a string of 1..${LIMITS.maxSkuLength} characters`);
    const delta = data.delta;
    if (!isIntegerIn(delta, -LIMITS.maxAbsDelta, LIMITS.maxAbsDelta)) {
      return invalid(`delta must be an integer in -${LIMITS.maxAbsDelta}..${LIMITS.maxAbsDelta}`);
    }
    if (delta === 0) return invalid('delta must not be 0');
    return { ok: true, message: { id, type: 'adjust', sku, delta } };
  }

  if (data.type === 'order') {
    const rawLines = data.lines;
    if (!Array.isArray(rawLines) || rawLines.length < 1 || rawLines.length > LIMITS.maxLines) {
      return invalid(`lines must be an array of 1..${LIMITS.maxLines} lines`);
    }
    const lines: OrderLine[] = [];
    const seen = new Set<string>();
    for (const [index, raw] of rawLines.entries()) {
      if (!isRecord(raw)) return invalid(`line ${index} is not an object`);
      const sku = readString(raw.sku, LIMITS.maxSkuLength);
      if (sku === undefined) return invalid(`line ${index}: sku must be a string of 1..${LIMITS.maxSkuLength} characters`);
      if (!isIntegerIn(raw.quantity, 1, LIMITS.maxQuantity)) {
        return invalid(`line ${index}: quantity must be an integer in 1..${LIMITS.maxQuantity}`);
      }
      if (seen.has(sku)) return invalid(`line ${index}: sku ${sku} appears twice`);
      seen.add(sku);
      lines.push({ sku, quantity: raw.quantity });
    }
    return { ok: true, message: { id, type: 'order', lines } };
  }

  return invalid(`unknown type ${JSON.stringify(data.type) ?? 'undefined'}`);
}

/** The id under which a message whose own id cannot be read is recorded. */
export function fallbackMessageId(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}
