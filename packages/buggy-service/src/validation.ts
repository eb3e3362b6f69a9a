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

/** A message that breaks the contract; `messageId` is undefined when its id cannot be read. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly messageId: string | undefined,
  ) {
    super(message);
  }
}

function readString(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length >= 1 && value.length <= max ? value : undefined;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Parses and validates one Kafka message value; throws ValidationError for a message that
 * breaks the contract. (Whether a SKU exists is checked in the database.)
 */
export function parseMessage(value: Buffer | string | null): InventoryMessage {
  // BUG: a value that is not JSON, or is JSON null, crashes the consumer instead of being recorded as invalid: the message never gets an outcome and its partition stops being consumed
  const data = JSON.parse(value === null ? '' : value.toString()) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data)) throw new ValidationError('value is not a JSON object', undefined);

  const id = readString(data.id, LIMITS.maxIdLength);
  if (id === undefined) throw new ValidationError(`id must be a string of 1..${LIMITS.maxIdLength} characters`, undefined);
  const invalid = (reason: string): ValidationError => new ValidationError(reason, id);

  if (data.type === 'adjust') {
    const sku = readString(data.sku, LIMITS.maxSkuLength);
    if (sku === undefined) throw invalid(`sku must be a string of 1..${LIMITS.maxSkuLength} characters`);
    const delta = data.delta;
    if (!isIntegerIn(delta, -LIMITS.maxAbsDelta, LIMITS.maxAbsDelta)) {
      throw invalid(`delta must be an integer in -${LIMITS.maxAbsDelta}..${LIMITS.maxAbsDelta}`);
    }
    if (delta === 0) throw invalid('delta must not be 0');
    return { id, type: 'adjust', sku, delta };
  }

  if (data.type === 'order') {
    const rawLines = data.lines;
    if (!Array.isArray(rawLines) || rawLines.length < 1 || rawLines.length > LIMITS.maxLines) {
      throw invalid(`lines must be an array of 1..${LIMITS.maxLines} lines`);
    }
    const lines: OrderLine[] = [];
    const seen = new Set<string>();
    for (const [index, raw] of (rawLines as unknown[]).entries()) {
      if (typeof raw !== 'object' || raw === null) throw invalid(`line ${index} is not an object`);
      const line = raw as Record<string, unknown>;
      const sku = readString(line.sku, LIMITS.maxSkuLength);
      if (sku === undefined) throw invalid(`line ${index}: sku must be a string of 1..${LIMITS.maxSkuLength} characters`);
      if (!isIntegerIn(line.quantity, 1, LIMITS.maxQuantity)) {
        throw invalid(`line ${index}: quantity must be an integer in 1..${LIMITS.maxQuantity}`);
      }
      if (seen.has(sku)) throw invalid(`line ${index}: sku ${sku} appears twice`);
      seen.add(sku);
      lines.push({ sku, quantity: line.quantity });
    }
    return { id, type: 'order', lines };
  }

  throw invalid(`unknown type ${JSON.stringify(data.type) ?? 'undefined'}`);
}

/** The id under which a message whose own id cannot be read is recorded. */
export function fallbackMessageId(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}
