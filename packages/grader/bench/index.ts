// `pnpm bench`: speed and memory figures for the README (never asserted in tests).
import { cpus, totalmem } from 'node:os';
import { benchComponentsAlone, benchInfraBoot, type BootSample } from './infra-boot.ts';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

console.log(`# grader benchmarks (${cpus().length} cores, ${mb(totalmem())}, node ${process.version}, ${new Date().toISOString()})\n`);
console.log('## Local infrastructure boot (Kafka KRaft on the JVM + embedded PostgreSQL)\n');
const { cold, warm } = await benchInfraBoot(Number(process.env.BENCH_WARM_RUNS ?? 3));
const row = (s: BootSample): string =>
  `| ${s.label} | ${s.kafkaMs} ms | ${s.postgresMs} ms | ${s.resolveAndBootMs} ms | ${mb(s.peakRssBytes)} |`;
console.log('| run | Kafka ready | PostgreSQL ready | total start() | peak RSS (Kafka + Postgres + grader) |');
console.log('| --- | --- | --- | --- | --- |');
console.log(row(cold));
for (const s of warm) console.log(row(s));
console.log(
  row({
    label: `**warm median of ${warm.length}**`,
    kafkaMs: median(warm.map((s) => s.kafkaMs)),
    postgresMs: median(warm.map((s) => s.postgresMs)),
    resolveAndBootMs: median(warm.map((s) => s.resolveAndBootMs)),
    peakRssBytes: Math.max(...warm.map((s) => s.peakRssBytes)),
  }),
);
console.log('\nEach component booted alone (warm, no contention from the other), median of 3:\n');
const alone = await benchComponentsAlone(3);
console.log(`| component | runs | median |\n| --- | --- | --- |`);
console.log(`| PostgreSQL (initdb + start + SELECT 1) | ${alone.postgresMs.join(', ')} ms | ${median(alone.postgresMs)} ms |`);
console.log(`| Kafka (storage format + broker start + admin sees cluster) | ${alone.kafkaMs.join(', ')} ms | ${median(alone.kafkaMs)} ms |`);
console.log('\nGoals: PostgreSQL <= 1.5 s, Kafka <= 8 s warm on 2 cores, peak memory <= 1.5 GB.');
