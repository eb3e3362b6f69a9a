import { ConfigError, loadConfig, type Config } from './config.ts';
import { startConsumer } from './consumer.ts';
import { createLogger, errorMessage } from './logger.ts';
import { runMigrations } from './migrations.ts';
import { MessageProcessor } from './processor.ts';
import { createPool, InventoryRepository, OutcomeLedger } from './repository.ts';

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`inventory-service: invalid environment: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ service: 'inventory', instance: config.instanceId }, config.logLevel);
  const pool = createPool(config);
  pool.on('error', (error) => logger.warn('idle database connection lost', { error: error.message }));

  await runMigrations(pool);
  const processor = new MessageProcessor(new InventoryRepository(pool), new OutcomeLedger(pool, config.instanceId), logger);
  const consumer = await startConsumer(config, processor, logger);
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error('consumer crashed', { error: errorMessage(event.payload.error), restart: event.payload.restart });
  });

  const shutdown = async (signal: string): Promise<void> => {
    logger.info('shutting down', { signal });
    // BUG: on SIGTERM the replica closes the database first and never leaves the consumer group: messages still in flight or fetched meanwhile are dropped without an outcome, and its partitions sit idle until the session timeout
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  logger.info('consuming', { topic: config.kafkaTopic, group: config.kafkaGroupId });
}

main().catch((error: unknown) => {
  process.stderr.write(`inventory-service: failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});
