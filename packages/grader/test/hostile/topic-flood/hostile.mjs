// Creates a thousand topics of eight partitions on the shared broker (the same names from every
// replica), as fast as the broker takes them, then idles; says how many it made.
import kafkajs from 'kafkajs';

const kafka = new kafkajs.Kafka({ clientId: 'topic-flood', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
let made = 0;
let refused = '';
for (let batch = 0; batch < 1000; batch += 50) {
  const topics = Array.from({ length: 50 }, (_, i) => ({ topic: `flood-${batch + i}`, numPartitions: 8 }));
  try {
    if (await admin.createTopics({ topics, waitForLeaders: false })) made += topics.length;
  } catch (error) {
    refused ||= error.type ?? error.message;
  }
}
console.log(`hostile: topic-flood created ${made} topics of 8 partitions${refused ? ` (refused: ${refused})` : ''}`);
setInterval(() => undefined, 1000);
