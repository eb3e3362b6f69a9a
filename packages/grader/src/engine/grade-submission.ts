import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GraderError } from '../errors/grader-error.ts';
import { knownGoodProbe } from '../infra/health.ts';
import { describeLeftovers, removeLeftovers, type Leftovers } from '../infra/leftovers.ts';
import { silentLogger, type InfraLogger, type StartedInfra } from '../infra/infra.ts';
import { CATALOG_BY_ID } from '../checks/catalog.ts';
import { inconclusiveChecks } from '../scoring/score.ts';
import { Inconclusive, InfraFailure } from './check-failure.ts';
import { gradeTarget, type GradeOutcome, type GradeTargetOptions } from './grade-target.ts';
import { OwnThreadsLatency } from '../target/overload.ts';
import { STARVATION_WINDOW_MS, STARVED_LATENCY_MS, StarvationMeter } from './starvation-meter.ts';

/** A grade of the submission that the infrastructure ended: what broke. */
export interface InfraAttempt {
  readonly infraFailure: string;
  /** Where that attempt's logs are. */
  readonly runDir: string;
}

export interface SubmissionOutcome extends Omit<GradeOutcome, 'infraFailure'> {
  /** Earlier grades of this submission that an infrastructure failure ended (at most two). */
  readonly infraAttempts: readonly InfraAttempt[];
  /** True if the last grade's budget ran out. */
  readonly budgetExceeded: boolean;
}

/** A wall-clock budget for one grade of a submission; `done()` stops its timer. */
export interface Budget {
  readonly signal: AbortSignal;
  done(): void;
}

/**
 * Replaces both servers with fresh ones and checks them with a known-good probe: servers that fail
 * it right after they were replaced are the grader's failure (INFRA_FAILED, exit 2).
 */
export async function replaceServers(infra: StartedInfra, why: string, logger: InfraLogger): Promise<void> {
  const started = Date.now();
  const own = new OwnThreadsLatency();
  await infra.replace(why);
  const problem = await knownGoodProbe(infra.endpoints);
  if (problem) {
    // Fresh servers too slow on a starved machine are the machine's, not broken servers.
    const latency = own.sinceMs();
    if (latency !== undefined && latency >= STARVED_LATENCY_MS) {
      throw new GraderError(
        'MACHINE_STARVED',
        `fresh servers failed a known-good probe right after they were replaced (${problem}) while the machine was starved (the grader's own threads waited ${latency.toFixed(1)} ms for a CPU each time they were scheduled; ${STARVED_LATENCY_MS} ms is starved); no verdict was given`,
        'free the machine (other grades, builds, CPU hogs) or give it more CPUs, then rerun: the grade is inconclusive, not the submission\'s failure',
      );
    }
    throw new GraderError('INFRA_FAILED', `fresh servers failed a known-good probe right after they were replaced: ${problem}`, 'this is not a submission\'s doing: check the machine (disk, memory, ports), then rerun');
  }
  logger.info(`fresh servers ready and probed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Grades a submission by the rule for damage the health checks do not see: when the
 * infrastructure fails while it runs (a scenario's set-up, a wait), both servers are replaced by
 * fresh ones and the submission is graded again, once, from the start. If that fails the same way
 * on fresh servers, it is the submission's verdict: the checks it hit fail saying so, and the
 * servers are replaced again for whatever comes next. Each grade gets a budget of its own.
 */
export async function gradeSubmission(options: Omit<GradeTargetOptions, 'signal'> & { readonly budget?: () => Budget; readonly meter?: StarvationMeter }): Promise<SubmissionOutcome> {
  const meter = options.meter ?? new StarvationMeter().start();
  try {
    const logger = options.logger ?? silentLogger;
    const first = await gradeUnlessStarved(options, meter);
    if (inconclusiveChecks(first.results).length === 0 || first.budgetExceeded) return first;
    // Checks without a verdict (a wait ran out on an overloaded machine) are graded again, once,
    // with every check of their scenarios, once the machine is calm, unless the load was the
    // submission's own (a target that burns its CPU quota starves its own waits: its verdict).
    const firstCalm = await timeToCalm(meter);
    if (firstCalm !== undefined && firstCalm <= OWN_LOAD_CALM_MS) return ownLoad(first, firstCalm, logger);
    const scenarios = new Set(first.results.filter((r) => r.status === 'inconclusive').map((r) => r.scenario));
    const again = options.selected.filter((id) => scenarios.has(CATALOG_BY_ID.get(id)?.scenario ?? ''));
    const undecided = inconclusiveChecks(first.results);
    logger.warn(
      `${undecided.length} check(s) of ${options.target.name} were inconclusive, the machine being overloaded when they would have failed (${undecided.slice(0, 3).join(', ')}${undecided.length > 3 ? ', ...' : ''}), and it ${firstCalm === undefined ? `stayed busy ${CALM_WAIT_MS / 1000} s` : `was calm only ${(firstCalm / 1000).toFixed(0)} s`} after the grade: grading their ${scenarios.size} scenario(s) again`,
    );
    const second = mergeRegrade(first, await gradeUnlessStarved({ ...options, selected: again, runDir: join(options.runDir, 'inconclusive-again') }, meter), new Set(again));
    if (inconclusiveChecks(second.results).length === 0 || second.budgetExceeded) return second;
    const secondCalm = await timeToCalm(meter);
    return secondCalm !== undefined && secondCalm <= OWN_LOAD_CALM_MS ? ownLoad(second, secondCalm, logger) : second;
  } finally {
    if (!options.meter) meter.stop();
  }
}

/** The inconclusive checks of a grade whose overload was its own (calm within OWN_LOAD_CALM_MS of its end): failed, saying so. */
export function ownLoad(outcome: SubmissionOutcome, calmAfterMs: number, logger: InfraLogger = silentLogger): SubmissionOutcome {
  const why = `the machine was overloaded, but calm ${(calmAfterMs / 1000).toFixed(0)} s after the target's processes were gone: its own load, so this is its verdict`;
  logger.warn(`${inconclusiveChecks(outcome.results).length} check(s) were inconclusive, but ${why}`);
  const results = outcome.results.map((r) =>
    r.status === 'inconclusive' ? { ...r, status: 'failed' as const, message: `${Inconclusive.failureOf(r.message ?? '')}; ${why}` } : r,
  );
  return { ...outcome, results };
}

/** `first` with the results of `regraded` checks (every run) taken from `second`. */
export function mergeRegrade(first: SubmissionOutcome, second: SubmissionOutcome, regraded: ReadonlySet<string>): SubmissionOutcome {
  const from = new Map(second.results.map((r) => [`${r.id}#${r.run}`, r]));
  const results = first.results.map((r) => (regraded.has(r.id) ? (from.get(`${r.id}#${r.run}`) ?? r) : r));
  return { ...first, results, infraAttempts: [...first.infraAttempts, ...second.infraAttempts], budgetExceeded: second.budgetExceeded };
}

/** The one line a grade that stayed inconclusive ends with: no verdict was given. */
export function overloadedError(target: string, results: SubmissionOutcome['results']): GraderError {
  const ids = inconclusiveChecks(results);
  return new GraderError(
    'MACHINE_STARVED',
    `${target} could not be graded: ${ids.length} check(s) were inconclusive twice, the machine being overloaded when they would have failed (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? `, and ${ids.length - 5} more` : ''}); no verdict was given`,
    'free the machine (other grades, builds, CPU hogs) or give it more CPUs, then rerun: the grade is inconclusive, not the submission\'s failure',
  );
}

/** Grades that an infrastructure failure on a starved machine ended, before the grade is called inconclusive. */
export const STARVED_GRADES_LIMIT = 2;

/** How long the grader waits for a starved machine to calm before grading again. */
export const CALM_WAIT_MS = 120_000;

/**
 * A machine calm this soon after the submission's grade ended and its servers were replaced was
 * starved by that submission (its replicas' queries, the broker it kept busy), not by something else.
 */
export const OWN_LOAD_CALM_MS = 12_000;

/** Calm: the grader's threads wait under a third of the starved latency, over this window. */
const CALM_WINDOW_MS = 4_000;

async function gradeUnlessStarved(options: Omit<GradeTargetOptions, 'signal'> & { readonly budget?: () => Budget }, meter: StarvationMeter): Promise<SubmissionOutcome> {
  const logger = options.logger ?? silentLogger;
  const attempts: InfraAttempt[] = [];
  let starved = 0;
  for (let grade = 1; ; grade += 1) {
    const runDir = grade === 1 ? options.runDir : join(options.runDir, `attempt-${grade}`);
    const budget = options.budget?.();
    const gradeStarted = Date.now();
    let outcome: GradeOutcome;
    try {
      outcome = await gradeTarget({ ...options, runDir, ...(budget ? { signal: budget.signal } : {}) });
    } finally {
      budget?.done();
    }
    const budgetExceeded = budget?.signal.aborted ?? false;
    const { infraFailure, ...graded } = outcome;
    if (!infraFailure) return { ...graded, infraAttempts: attempts, budgetExceeded };
    const why = `the infrastructure failed while ${options.target.name} ran: ${infraFailure}`;
    // The same symptom (a topic without a leader for 30 s) comes of damage and of a starved
    // machine. The failure's time is not known: the worst window of the grade stands for it.
    const latency = meter.worstLatencyMs(gradeStarted);
    let replaced = false;
    if (latency !== undefined && latency >= STARVED_LATENCY_MS) {
      const how = `the machine was starved while it ran (the grader's own threads waited ${latency.toFixed(1)} ms for a CPU each time they were scheduled, over ${STARVATION_WINDOW_MS / 1000} s; ${STARVED_LATENCY_MS} ms is starved)`;
      // Fresh servers first: a broker the submission keeps busy is its load, not the machine's.
      await replaceServers(options.infra, why, logger);
      replaced = true;
      const calmAfter = await timeToCalm(meter);
      if (calmAfter === undefined || calmAfter > OWN_LOAD_CALM_MS) {
        starved += 1;
        if (starved >= STARVED_GRADES_LIMIT) {
          throw new GraderError(
            'MACHINE_STARVED',
            `${options.target.name} could not be graded: the infrastructure failed ${starved} times while ${how}, and the machine stayed busy without it (${infraFailure}); no verdict was given`,
            'free the machine (other grades, builds, CPU hogs) or give it more CPUs, then rerun: the grade is inconclusive, not the submission\'s failure',
          );
        }
        logger.warn(`the infrastructure failed while ${options.target.name} ran (${infraFailure}), but ${how}, and it stayed busy without it: inconclusive, not its verdict; graded again on fresh servers`);
        continue;
      }
      logger.warn(`${why}; ${how}, but calm ${(calmAfter / 1000).toFixed(0)} s after its grade ended and the servers were replaced: its own load, so the rule for damage applies`);
    }
    attempts.push({ infraFailure, runDir });
    if (attempts.length === 1) {
      logger.warn(`${why}; ${replaced ? 'the servers were replaced; ' : 'replacing the servers and '}grading it again from the start`);
      if (!replaced) await replaceServers(options.infra, why, logger);
      continue;
    }
    const verdict = `the infrastructure failed while the submission ran, twice, the second time on fresh servers (${infraFailure}); first: ${attempts[0]?.infraFailure ?? ''}`;
    logger.warn(`${options.target.name}: ${verdict}; scored as its failure, and the servers are replaced for what comes next`);
    const results = graded.results.map((r) => (r.status === 'failed' && r.message?.startsWith(InfraFailure.PREFIX) ? { ...r, message: verdict } : r));
    if (!replaced) await replaceServers(options.infra, why, logger);
    return { ...graded, results, infraAttempts: attempts, budgetExceeded };
  }
}

/** How long (ms) until the grader's threads wait under a third of the starved latency over CALM_WINDOW_MS; undefined if not within CALM_WAIT_MS. */
async function timeToCalm(meter: StarvationMeter): Promise<number | undefined> {
  const started = Date.now();
  // Only samples taken after now may count.
  await sleep(CALM_WINDOW_MS);
  while (Date.now() - started < CALM_WAIT_MS) {
    const latency = meter.recentLatencyMs(CALM_WINDOW_MS);
    if (latency === undefined || latency < STARVED_LATENCY_MS / 3) return Date.now() - started;
    await sleep(2_000);
  }
  return undefined;
}

/** Past this many partitions left by one submission, the broker is replaced rather than trusted to digest their deletion. */
export const LEFTOVER_PARTITIONS_LIMIT = 200;

/** Past this size of the broker's log dir once a submission's topics are gone, the broker is replaced (a grade's own data is a few MB). */
export const KAFKA_LOG_DIR_LIMIT_BYTES = 256 * 1024 * 1024;

/** A namespace (role, database, topic of 6 partitions led) must be made and dropped within this long before the next submission. */
export const TIDY_PROBE_LIMIT_MS = 10_000;

/**
 * After a submission, on servers the grader owns: removes every topic, group, database and role it
 * left (targets may create topics and groups of any name), until a look finds none: topics a
 * broker was still creating may appear after the first deletion. When it left many partitions, or
 * the removal fails or does not converge, both servers are replaced (a broker still deleting
 * thousands of partitions is slow to lead new ones). Returns what was found, for the logs.
 */
export async function tidyServers(infra: StartedInfra, logger: InfraLogger): Promise<string | undefined> {
  if (infra.kind === 'external') return undefined;
  // A server the submission broke is restarted first (the next one would have it restarted anyway).
  if ((await infra.health()).length > 0) await infra.recover();
  const seen: string[] = [];
  const partitionsOf = new Map<string, number>();
  for (let look = 0; look < 5; look += 1) {
    if (look > 0) await sleep(500);
    let found: Leftovers;
    try {
      found = await removeLeftovers(infra.endpoints);
    } catch (error) {
      return replaced(`removing what the last submission left failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const what = describeLeftovers(found);
    if (what) seen.push(what);
    for (const [topic, n] of Object.entries(found.partitionsOf)) partitionsOf.set(topic, n);
    const partitions = [...partitionsOf.values()].reduce((a, b) => a + b, 0);
    if (partitions > LEFTOVER_PARTITIONS_LIMIT) return replaced(`the last submission left ${seen.join('; then ')}`);
    // Groups whose killed members have not timed out yet cannot go now: the next tidy-up retries them.
    if (found.topics.length === 0 && found.databases.length === 0 && found.roles.length === 0) {
      if (seen.length > 0) logger.info(`removed what the last submission left: ${seen.join('; then ')}`);
      const unfit = await unfitServers(infra);
      if (unfit) return replaced(seen.length > 0 ? `the last submission left ${seen.join('; then ')}, and then ${unfit}` : unfit);
      return seen.length > 0 ? seen.join('; then ') : undefined;
    }
  }
  return replaced(`what the last submission left kept coming back: ${seen.join('; then ')}`);

  async function replaced(why: string): Promise<string> {
    await replaceServers(infra, why, logger);
    return `${why} (both servers replaced)`;
  }
}

/**
 * Once nothing of a submission is left: whether the servers are still fit for the next one, as a
 * check rather than a hope. The broker's log dir must shrink back under its limit (a deleted
 * topic's files go 1 s after the deletion) and a probe namespace must be made and dropped in time
 * (a broker busy with damage is slow to lead a new topic). Undefined when they are fit.
 */
async function unfitServers(infra: StartedInfra): Promise<string | undefined> {
  let bytes = await infra.kafkaLogBytes();
  for (let look = 0; bytes !== undefined && bytes > KAFKA_LOG_DIR_LIMIT_BYTES && look < 10; look += 1) {
    await sleep(500);
    bytes = await infra.kafkaLogBytes();
  }
  if (bytes !== undefined && bytes > KAFKA_LOG_DIR_LIMIT_BYTES) {
    return `the broker's log dir holds ${(bytes / 1024 / 1024).toFixed(0)} MB, past the ${KAFKA_LOG_DIR_LIMIT_BYTES / 1024 / 1024} MB a fresh one may`;
  }
  const probe = await knownGoodProbe(infra.endpoints, TIDY_PROBE_LIMIT_MS);
  return probe ? `a probe namespace failed: ${probe}` : undefined;
}
