// `pnpm bench`: speed and memory figures for the README (never asserted in tests).
// BENCH_SECTIONS=infra,grade,sandbox,limits,batch,pgbench,docker,load (default: all but load; docker only where an
// engine answers) picks what to measure; limits needs no servers (it also runs in tools/cgroup2-guest);
// BENCH_SANDBOX_RUNS (default 3) how many grades with and without the sandbox;
// BENCH_GRADE_RUNS (default 3) how many grades of the reference fix; BENCH_PGBENCH_ROUNDS
// (default 5) how many pgbench comparison rounds; the load section (not in the default set: it
// takes about an hour) grades the reference fix and the buggy service BENCH_LOAD_RUNS times
// (default 3) beside BENCH_LOAD_HOGS CPU hogs (default 4) (hogs), beside two other grades
// (beside), beside the hogs and another grade at once (busy), and beside the hogs, another grade
// and a batch of the fixtures (overload); BENCH_LOAD_TARGETS (default
// reference-fix,buggy-service) and BENCH_LOAD_KINDS (default hogs,beside,busy,overload) narrow it; BENCH_KEEP_REPORTS=DIR keeps every measured grade's JSON report.
// The act section (not in the default set: about 15 minutes) runs examples/ci's GitHub Actions
// workflow with nektos/act on this machine (act from PATH, $ACT, or go install); where GitHub is
// not reachable, BENCH_ACT_ACTIONS=DIR maps the four actions to local copies (DIR/checkout,
// DIR/setup-node, DIR/upload-artifact, DIR/download-artifact, each at its v4 tag with its dist
// built); BENCH_ACT_KEEP=DIR keeps what act printed, the merged summary and the leaderboard.
import { cpus, totalmem } from 'node:os';
import { benchBatch, goReferenceSubmissions } from './batch-bench.ts';
import { benchGrade, type GradeSample } from './grade-bench.ts';
import { benchDockerBoot, type DockerBootSample } from './docker-boot.ts';
import { dockerEngineAvailable } from '../src/infra/docker-infra.ts';
import { benchComponentsAlone, benchInfraBoot, type BootSample } from './infra-boot.ts';
import { batchBeside, cpuHogs, gradesBeside, gradeUnderLoad, together, type Load, type LoadResult } from './load-bench.ts';
import { comparePgbench, type PgbenchRound } from './pgbench-compare.ts';
import { benchLimits } from './limits-bench.ts';
import { runWorkflowUnderAct } from './act-workflow.ts';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

async function infraSection(): Promise<void> {
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
  console.log('\nEach component booted alone (warm, no contention from the other):\n');
  const alone = await benchComponentsAlone(3);
  console.log('| component | runs | median |\n| --- | --- | --- |');
  console.log(`| PostgreSQL (initdb + start + SELECT 1) | ${alone.postgresMs.join(', ')} ms | ${median(alone.postgresMs)} ms |`);
  console.log(`| Kafka (storage format + broker start + admin sees cluster) | ${alone.kafkaMs.join(', ')} ms | ${median(alone.kafkaMs)} ms |`);
  console.log('\nGoals: PostgreSQL <= 1.5 s, Kafka <= 8 s warm on 2 cores, peak memory <= 1.5 GB.');
}

async function sandboxSection(): Promise<void> {
  console.log('\n## What the sandbox costs (full grades of the reference, contained and not, interleaved)\n');
  const runs = Number(process.env.BENCH_SANDBOX_RUNS ?? 3);
  const contained: GradeSample[] = [];
  const uncontained: GradeSample[] = [];
  console.log('| run | sandbox | --no-sandbox |\n| --- | --- | --- |');
  for (let i = 1; i <= runs; i++) {
    contained.push(await benchGrade('reference-fix'));
    uncontained.push(await benchGrade('reference-fix', ['--no-sandbox']));
    const last = (list: GradeSample[]): string => `${((list.at(-1)?.wallMs ?? 0) / 1000).toFixed(1)} s (${list.at(-1)?.score.toFixed(3)})`;
    console.log(`| #${i} | ${last(contained)} | ${last(uncontained)} |`);
  }
  const a = median(contained.map((g) => g.wallMs));
  const b = median(uncontained.map((g) => g.wallMs));
  console.log(`| **median** | ${(a / 1000).toFixed(1)} s | ${(b / 1000).toFixed(1)} s |`);
  console.log(`\nSandbox overhead: ${(((a - b) / b) * 100).toFixed(1)} % of a grade's wall time (goal: at most 10 %).`);
}

async function gradeSection(): Promise<void> {
  console.log('\n## Full grades (`grader run`, infra boot included)\n');
  console.log('| target | run | wall time | peak RSS (grader + Kafka + PostgreSQL + replicas) | score |');
  console.log('| --- | --- | --- | --- | --- |');
  const row = (g: GradeSample, label: string): string =>
    `| ${g.target} | ${label} | ${(g.wallMs / 1000).toFixed(1)} s | ${mb(g.peakRssBytes)} | ${g.score.toFixed(3)} |`;
  // Single grades of the reference vary by several seconds on this machine: report the median.
  const runs = Number(process.env.BENCH_GRADE_RUNS ?? 3);
  const reference: GradeSample[] = [];
  for (let i = 1; i <= runs; i++) {
    reference.push(await benchGrade('reference-fix'));
    console.log(row(reference[i - 1]!, `#${i}`));
  }
  const byWall = [...reference].sort((a, b) => a.wallMs - b.wallMs);
  console.log(row(byWall[Math.floor(byWall.length / 2)]!, `**median of ${runs}**`));
  console.log(row(await benchGrade('buggy-service'), '#1'));
  console.log('\nGoal: <= 60 s for the reference fix on 2 cores.');
}

async function batchSection(): Promise<void> {
  console.log('\n## Batch throughput (`grader batch` of examples/submissions: 8 submissions, infrastructure booted once; then three Go submissions)\n');
  const { wallMs, results } = await benchBatch();
  console.log('| submission | status | score | time |\n| --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.submission.id} | ${r.status} | ${r.score.toFixed(3)} | ${(r.durationMs / 1000).toFixed(0)} s |`);
  const rate = (list: readonly { durationMs: number }[]): string => {
    const ms = list.reduce((sum, r) => sum + r.durationMs, 0);
    return list.length === 0 || ms === 0 ? '-' : `${((list.length * 60_000) / ms).toFixed(2)} per minute`;
  };
  const correct = results.filter((r) => r.resolved);
  const wrong = results.filter((r) => !r.resolved && r.status === 'graded');
  console.log(`\nWhole batch: ${(wallMs / 1000).toFixed(0)} s for ${results.length} submissions (infrastructure boot and dependency install included), ${((results.length * 60_000) / wallMs).toFixed(2)} per minute.`);
  console.log(`Correct submissions (resolved): ${rate(correct)}; graded wrong ones: ${rate(wrong)}; goal >= 2 per minute for correct ones.`);

  // Go submissions: what a Go batch costs once the machine's Go cache is warm (the first Go
  // submission on a machine warms it, about a minute, outside its budget).
  const go = goReferenceSubmissions(3);
  try {
    const sample = await benchBatch([], go.dir);
    console.log('\n| Go submission | status | score | time |\n| --- | --- | --- | --- |');
    for (const r of sample.results) console.log(`| ${r.submission.id} | ${r.status} | ${r.score.toFixed(3)} | ${(r.durationMs / 1000).toFixed(0)} s |`);
    console.log(`\nCorrect Go submissions (the Go reference fix as three directories): ${rate(sample.results.filter((r) => r.resolved))}; whole batch ${(sample.wallMs / 1000).toFixed(0)} s.`);
  } finally {
    go.remove();
  }
}

async function dockerSection(): Promise<void> {
  console.log('\n## Docker provider (real engine; offline-built images) next to the local one\n');
  if (!(await dockerEngineAvailable())) {
    console.log('No Docker engine answers here (tools/docker-engine up starts one): section skipped.');
    return;
  }
  const { cold, warm } = await benchDockerBoot(Number(process.env.BENCH_WARM_RUNS ?? 3));
  const row = (s: DockerBootSample): string => `| ${s.label} | ${s.kafkaMs} ms | ${s.postgresMs} ms | ${s.startMs} ms |`;
  console.log('| run | Kafka ready | PostgreSQL ready | total start() |\n| --- | --- | --- | --- |');
  console.log(row(cold));
  for (const s of warm) console.log(row(s));
  const mid = (pick: (s: DockerBootSample) => number): number => median(warm.map(pick));
  console.log(row({ label: `**warm median of ${warm.length}**`, kafkaMs: mid((s) => s.kafkaMs), postgresMs: mid((s) => s.postgresMs), startMs: mid((s) => s.startMs) }));
  console.log('\nFull grades of the reference fix, one on each provider (infra boot included):\n');
  console.log('| provider | wall time | score |\n| --- | --- | --- |');
  for (const infra of ['docker', 'local']) {
    const g = await benchGrade('reference-fix', ['--infra', infra]);
    console.log(`| ${infra} | ${(g.wallMs / 1000).toFixed(1)} s | ${g.score.toFixed(3)} |`);
  }
}

async function pgbenchSection(): Promise<void> {
  console.log('\n## Reference fix vs pgbench (same SQL, same database, 8 connections, no added latency)\n');
  const p = await comparePgbench(Number(process.env.BENCH_PGBENCH_ROUNDS ?? 5));
  const row = (label: string, r: PgbenchRound): string =>
    `| ${label} | ${r.referenceMsgPerS.toFixed(0)} msg/s | ${r.referenceWholeMsgPerS.toFixed(0)} msg/s | ${r.pgbenchTps.toFixed(0)} tps | ${(r.ratio * 100).toFixed(0)} % | ${((r.referenceWholeMsgPerS / r.pgbenchTps) * 100).toFixed(0)} % |`;
  console.log('| round | reference fix, steady state (Kafka → PostgreSQL) | reference fix, first to last outcome | pgbench (SQL only) | ratio (steady) | ratio (first to last) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  p.rounds.forEach((r, i) => console.log(row(`#${i + 1}`, r)));
  console.log(row(`**median of ${p.rounds.length}**`, p.median));
  console.log('\nGoal: >= 60 % (steady state).');
}

async function loadSection(): Promise<void> {
  console.log('\n## Verdicts under load (CPU hogs, other grades beside it)\n');
  const runs = Number(process.env.BENCH_LOAD_RUNS ?? 3);
  const targets = (process.env.BENCH_LOAD_TARGETS ?? 'reference-fix,buggy-service').split(',');
  const kinds = new Set((process.env.BENCH_LOAD_KINDS ?? 'hogs,beside,busy,overload').split(','));
  const results: LoadResult[] = [];
  const progress = (target: string, g: GradeSample): void => console.log(`- ${target}: ${g.score.toFixed(3)} in ${(g.wallMs / 1000).toFixed(0)} s`);
  const hogs = (): Load => cpuHogs(Number(process.env.BENCH_LOAD_HOGS ?? 4));
  if (kinds.has('hogs')) results.push(...(await gradeUnderLoad(hogs, targets, runs, progress)));
  if (kinds.has('beside')) results.push(...(await gradeUnderLoad(() => gradesBeside(['reference-fix-go', 'buggy-service']), targets, runs, progress)));
  if (kinds.has('busy')) results.push(...(await gradeUnderLoad(() => together(hogs(), gradesBeside(['buggy-service'])), targets, runs, progress)));
  if (kinds.has('overload')) results.push(...(await gradeUnderLoad(() => together(hogs(), gradesBeside(['buggy-service']), batchBeside()), targets, runs, progress)));
  console.log(`\n| load | target | scores | checks that did not give the same verdict in every run |\n| --- | --- | --- | --- |`);
  for (const r of results) {
    const ids = [...new Set(r.grades.flatMap((g) => [...g.passed.keys()]))].sort();
    const flipping = ids
      .map((id) => ({ id, passes: r.grades.filter((g) => g.passed.get(id) === true).length }))
      .filter((c) => c.passes > 0 && c.passes < r.grades.length)
      .map((c) => `${c.id} (passed ${c.passes}/${r.grades.length})`);
    const failedAlways = r.target === 'reference-fix' ? ids.filter((id) => r.grades.every((g) => g.passed.get(id) === false)).map((id) => `${id} (failed ${r.grades.length}/${r.grades.length})`) : [];
    const undecided = r.inconclusive > 0 ? `; ${r.inconclusive} inconclusive (MACHINE_STARVED)` : '';
    const errors = r.errors.length > r.inconclusive ? `; ${r.errors.length - r.inconclusive} grade(s) without a report` : '';
    console.log(`| ${r.load} | ${r.target} | ${r.grades.map((g) => g.score.toFixed(3)).join(', ')}${undecided}${errors} | ${[...flipping, ...failedAlways].join('; ') || 'none'} |`);
  }
  console.log('\nGoal: the reference 1.000 in every run, and no check of the buggy service flipping between runs; beside a batch as well (overload), the reference 1.000 or inconclusive, never a failed check.');
}

async function limitsSection(): Promise<void> {
  const { backend, samples } = await benchLimits();
  console.log(`\n## The sandbox's limits, reached on purpose (${backend})\n`);
  console.log('| limit | what | what the kernel reported | time |\n| --- | --- | --- | --- |');
  for (const s of samples) console.log(`| ${s.limit} | ${s.what} | ${s.measured} | ${s.ms} ms |`);
}

async function actSection(): Promise<void> {
  console.log('\n## The GitHub Actions example under nektos/act (four shards of the fixture batch, merge, leaderboard)\n');
  const run = await runWorkflowUnderAct(process.env.BENCH_ACT_KEEP);
  const jobs = [...run.log.matchAll(/^\[([^\]]+)\] 🏁 {2}Job (succeeded|failed)$/gmu)].map((m) => `${m[1]}: ${m[2]}`);
  console.log(`act exited with ${run.exitCode} after ${(run.wallMs / 1000).toFixed(0)} s; jobs: ${jobs.join(', ') || 'none finished'}`);
  console.log(`shard artifacts on act's artifact server: ${run.uploaded.join(', ') || 'none'}\n`);
  console.log('| submission | status | score |\n| --- | --- | --- |');
  for (const r of run.results) console.log(`| ${r.submission.id} | ${r.status} | ${r.score.toFixed(3)} |`);
  console.log(run.unmet.length === 0 ? '\nEvery result the fixture batch should give.' : `\nNOT MET:\n${run.unmet.map((u) => `- ${u}`).join('\n')}`);
  if (run.unmet.length > 0) process.exitCode = 1;
}

const sections = new Set((process.env.BENCH_SECTIONS ?? 'infra,grade,sandbox,limits,batch,pgbench,docker').split(','));
console.log(`# grader benchmarks (${cpus().length} cores, ${mb(totalmem())}, node ${process.version}, ${new Date().toISOString()})\n`);
if (sections.has('infra')) await infraSection();
if (sections.has('grade')) await gradeSection();
if (sections.has('sandbox')) await sandboxSection();
if (sections.has('limits')) await limitsSection();
if (sections.has('batch')) await batchSection();
if (sections.has('pgbench')) await pgbenchSection();
if (sections.has('docker')) await dockerSection();
if (sections.has('load')) await loadSection();
if (sections.has('act')) await actSection();
