import { errorMessage, type Logger } from './logger.ts';
import type { InventoryRepository, OutcomeLedger, OutcomeRecord } from './repository.ts';
import { fallbackMessageId, parseMessage, ValidationError, type AdjustMessage, type InventoryMessage, type OrderMessage } from './validation.ts';

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: Buffer | null;
}

/** Turns one Kafka record into a stock change and an outcome row. */
export class MessageProcessor {
  private readonly seenOrderIds = new Set<string>();

  constructor(
    private readonly inventory: InventoryRepository,
    private readonly ledger: OutcomeLedger,
    private readonly logger: Logger,
  ) {}

  async process(record: KafkaRecord): Promise<void> {
    let message: InventoryMessage;
    try {
      message = parseMessage(record.value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const id = error.messageId ?? fallbackMessageId(record.topic, record.partition, record.offset);
      await this.ledger.record(id, { outcome: 'invalid', reason: error.message });
      return;
    }

    try {
      if (message.type === 'adjust') await this.handleAdjust(message);
      else await this.handleOrder(message);
    } catch (error) {
      // BUG: when the database fails in the middle of a message (connection terminated, pool closed, ...) the message is dropped: no outcome row, no stock change, and its offset is committed anyway
      this.logger.error('failed to process message', { id: message.id, partition: record.partition, offset: record.offset, error: errorMessage(error) });
    }
  }

  private async handleAdjust(message: AdjustMessage): Promise<void> {
    // BUG: two deliveries of the same adjustment processed at the same time (another partition, another replica, or the same batch) both pass this check: applied twice and recorded twice
    if (await this.ledger.exists(message.id)) {
      this.logger.info('duplicate adjustment skipped', { id: message.id });
      return;
    }
    const outcome: OutcomeRecord = await this.inventory.adjustStock(message.sku, message.delta);
    await this.ledger.record(message.id, outcome);
  }

  private async handleOrder(message: OrderMessage): Promise<void> {
    // BUG: order ids are remembered only in this process: an order delivered again to another replica or after a restart is applied (and recorded) a second time
    if (this.seenOrderIds.has(message.id)) {
      this.logger.info('duplicate order skipped', { id: message.id });
      return;
    }
    this.seenOrderIds.add(message.id);
    const outcome = await this.inventory.placeOrder(message.lines);
    await this.ledger.record(message.id, outcome);
  }
}
