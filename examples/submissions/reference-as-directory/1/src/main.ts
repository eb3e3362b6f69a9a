import type { Consumer } from 'kafkajs';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startConsumer } from './consumer.ts';
import { createLogger, errorMessage } from './logger.ts';
import { runMigrations } from './migrations.ts';
import { MessageProcessor } from './processor.ts';
import { createPool, InventoryRepository } from './repository.ts';
import { withRetry } from './retry.ts';

/** docs/CONTRACT.md section 7: exit 0 within 10 s of SIGTERM; keep a margin. */
const SHUTDOWN_DEADLINE_MS = 8_000;

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
  // An idle pooled connection killed by the server emits 'error' on the pool; without a
  // listener that would crash the process. The pool discards the client by itself.
  pool.on('error', (error) => logger.warn('idle database connection lost', { error: error.message }));

  await withRetry(() => runMigrations(pool));
  const processor = new MessageProcessor(new InventoryRepository(pool, config.instanceId), logger);

  const running: { consumer?: Consumer } = {};
  let stopping = false;
  const shutdown = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { reason });
    setTimeout(() => {
      logger.error('shutdown did not finish in time, exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      // Stops fetching, lets the message in flight finish, commits its offset, leaves the group.
      await running.consumer?.disconnect();
      // Only now is nothing using the database any more.
      await pool.end();
    } catch (error) {
      logger.error('error during shutdown', { error: errorMessage(error) });
      code = code || 1;
    }
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));

  const consumer = await startConsumer(config, processor, logger);
  running.consumer = consumer;
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) {
      logger.error('consumer crashed and will not restart', { error: errorMessage(event.payload.error) });
      void shutdown('consumer crash', 1);
    }
  });
  logger.info('consuming', { topic: config.kafkaTopic, group: config.kafkaGroupId });
}

main().catch((error: unknown) => {
  process.stderr.write(`inventory-service: failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});
