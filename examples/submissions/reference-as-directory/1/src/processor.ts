import { errorMessage, type Logger } from './logger.ts';
import type { ApplyResult, InventoryRepository } from './repository.ts';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry.ts';
import { fallbackMessageId, parseMessage } from './validation.ts';

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: Buffer | null;
}

/** Turns one Kafka record into exactly one durable outcome. Resolves only once it is committed. */
export class MessageProcessor {
  private readonly retry: RetryOptions;

  constructor(
    private readonly repository: Pick<InventoryRepository, 'apply' | 'recordInvalid'>,
    private readonly logger: Logger,
    retry: RetryOptions = DEFAULT_RETRY,
  ) {
    this.retry = {
      ...retry,
      onRetry: (error, attempt) => logger.warn('database operation failed, retrying', { attempt, error: errorMessage(error) }),
    };
  }

  /**
   * Throws only when the database stays unavailable through every retry; the consumer then
   * does not resolve the offset and Kafka redelivers the message (which is safe: see retry.ts).
   */
  async process(record: KafkaRecord): Promise<ApplyResult> {
    const parsed = parseMessage(record.value);
    const result = parsed.ok
      ? await withRetry(() => this.repository.apply(parsed.message), this.retry)
      : await withRetry(
          () => this.repository.recordInvalid(parsed.id ?? fallbackMessageId(record.topic, record.partition, record.offset), parsed.reason),
          this.retry,
        );
    this.logger.debug('message processed', {
      partition: record.partition,
      offset: record.offset,
      id: parsed.ok ? parsed.message.id : parsed.id,
      outcome: result.outcome,
    });
    return result;
  }
}
