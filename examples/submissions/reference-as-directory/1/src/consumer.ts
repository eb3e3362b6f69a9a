import { Kafka, logLevel, type Consumer, type LogEntry } from 'kafkajs';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { MessageProcessor } from './processor.ts';

/**
 * Partitions processed at the same time by one replica. Messages of ONE partition are still
 * handled one after the other (eachMessage), which keeps partition order.
 */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 8;

function kafkaLogger(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...fields } = log;
      const text = `kafkajs: ${message}`;
      if (level === logLevel.ERROR) logger.error(text, fields);
      else if (level === logLevel.WARN) logger.warn(text, fields);
      else logger.debug(text, fields);
    };
}

export async function startConsumer(config: Config, processor: MessageProcessor, logger: Logger): Promise<Consumer> {
  const kafka = new Kafka({
    clientId: `inventory-${config.instanceId}`,
    brokers: config.kafkaBrokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogger(logger),
  });
  const consumer = kafka.consumer({
    groupId: config.kafkaGroupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.min(3000, Math.floor(config.sessionTimeoutMs / 3))),
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: config.kafkaTopic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
    // autoCommit (the default) commits only offsets resolved after eachMessage resolved, i.e.
    // after the message's transaction committed. A throw leaves the offset unresolved.
    eachMessage: async ({ topic, partition, message }) => {
      await processor.process({ topic, partition, offset: message.offset, value: message.value });
    },
  });
  return consumer;
}
