// Produces to its topic as fast as the broker takes it for 8 s, with a new client id for every
// producer (to slip past per-client-id quotas), to fill the broker's disk; then says how much it
// wrote and exits. Its replicas never join the group.
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';

const brokers = process.env.KAFKA_BROKERS.split(',');
const topic = process.env.KAFKA_TOPIC;
const value = randomBytes(100_000);
const producers = await Promise.all(
  Array.from({ length: 4 }, async () => {
    const producer = new kafkajs.Kafka({ clientId: `flood-${randomBytes(4).toString('hex')}`, brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
    await producer.connect();
    return producer;
  }),
);
const started = Date.now();
let bytes = 0;
await Promise.all(
  producers.map(async (producer) => {
    while (Date.now() - started < 8_000) {
      await producer.send({ topic, messages: Array.from({ length: 10 }, () => ({ value })) });
      bytes += 10 * value.length;
    }
  }),
);
const seconds = (Date.now() - started) / 1000;
console.log(`hostile: produce-flood wrote ${(bytes / 1024 / 1024).toFixed(1)} MiB in ${seconds.toFixed(1)} s (${(bytes / 1024 / 1024 / seconds).toFixed(2)} MiB/s) with ${producers.length} client ids`);
process.exit(3);
