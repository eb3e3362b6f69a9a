import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG } from '../checks/catalog.ts';
import { GraderError } from '../errors/grader-error.ts';
import { silentLogger, type InfraLogger, type StartedInfra } from '../infra/infra.ts';
import type { SandboxLimits } from '../sandbox/sandbox-command.ts';
import { isGoTarget } from '../sandbox/go-build-cache.ts';
import { Sandbox } from '../sandbox/sandbox.ts';
import { ensureGoBuildCache } from '../sandbox/warm-go-cache.ts';
import type { CheckResult } from '../scoring/types.ts';
import { DirectLauncher } from '../target/launcher.ts';
import { buildTarget } from '../target/target-build.ts';
import type { TargetSpec } from '../target/target-spec.ts';
import { GraderFault, InfraFailure } from './check-failure.ts';
import { runChecks, type CheckListener } from './run-checks.ts';
import { graderClientId } from '../infra/kafka/client-quotas.ts';

/** One target, graded `repeat` times on infrastructure that is already up. */
export interface GradeTargetOptions {
  readonly target: TargetSpec;
  /** Check ids to run; every other catalog check is reported as skipped. */
  readonly selected: readonly string[];
  readonly seed: number;
  readonly repeat: number;
  /** Gets build.log and one run-N folder per run. */
  readonly runDir: string;
  /** Servers that are up; a component the target breaks is restarted for the next run. */
  readonly infra: StartedInfra;
  readonly listener?: CheckListener;
  /** Called before each run (0-based). */
  readonly onRun?: (run: number) => void;
  /** Contain the target (default); false runs it as the grader's own user (`--no-sandbox`). */
  readonly sandbox?: boolean;
  readonly sandboxLimits?: SandboxLimits;
  /** The build's wall-clock budget (default BUILD_TIMEOUT_MS). */
  readonly buildTimeoutMs?: number;
  readonly logger?: InfraLogger;
  /** Installed dependencies for the sandbox's copy of a target that has none (see SandboxOptions). */
  readonly dependencies?: string;
  /**
   * Aborted when the submission's wall-clock budget is spent: its processes are killed, checks
   * not yet judged fail with the abort's reason (a string), and no further run starts.
   */
  readonly signal?: AbortSignal;
}

/** How the target was contained, for reports. */
export interface Containment {
  readonly sandboxed: boolean;
  /** What contained it, or why nothing did. */
  readonly description: string;
}

export interface GradeOutcome {
  readonly results: CheckResult[];
  readonly containment: Containment;
  /**
   * The grader's infrastructure failed while the target ran, in a way the health checks do not
   * see (a scenario's set-up, a wait): the first such failure. The checks it hit, and every check
   * of the runs after it, fail with InfraFailure.PREFIX; grade-submission.ts decides what that means.
   */
  readonly infraFailure?: string;
}

function stripInfraPrefix(message: string): string {
  return message.startsWith(InfraFailure.PREFIX) ? message.slice(InfraFailure.PREFIX.length) : message;
}

/** What reports say of `--no-sandbox`, loudly. */
export const NOT_CONTAINED = 'NOT CONTAINED (--no-sandbox): the target ran as the grader\'s own user with its environment, files and processes in reach; use for debugging only';

/**
 * Sets up the target's sandbox, builds the target once in it, then runs the selected checks
 * `repeat` times. A failed build fails every selected check (a verdict on the target); a failure
 * of the grader's own infrastructure ends the grade with `infraFailure` set (runs after it are
 * not started), as it says nothing about the target yet.
 */
export async function gradeTarget(options: GradeTargetOptions): Promise<GradeOutcome> {
  const { target, selected, seed, repeat, runDir, infra, listener, onRun, signal } = options;
  mkdirSync(runDir, { recursive: true });
  const goCache = options.sandbox !== false && isGoTarget(target) ? await ensureGoBuildCache(options.logger ?? silentLogger, options.sandboxLimits) : undefined;
  const sandbox =
    options.sandbox === false
      ? undefined
      : new Sandbox({ target, ...(options.sandboxLimits ? { limits: options.sandboxLimits } : {}), ...(options.logger ? { logger: options.logger } : {}), ...(goCache ? { goCache } : {}), ...(options.dependencies ? { dependencies: options.dependencies } : {}) }).start();
  const stopTarget = (): void => sandbox?.killProcesses();
  signal?.addEventListener('abort', stopTarget, { once: true });
  const abortReason = (): string => (typeof signal?.reason === 'string' ? signal.reason : 'budget exceeded');
  try {
    const containment: Containment = sandbox ? { sandboxed: true, description: sandbox.describe() } : { sandboxed: false, description: NOT_CONTAINED };
    const launcher = sandbox?.launcher ?? new DirectLauncher(target.dir);
    const setupFailure = sandbox?.copyFailure ? `target not set up: ${sandbox.copyFailure}` : undefined;
    const build = setupFailure ? undefined : await buildTarget(target, launcher, join(runDir, 'build.log'), options.buildTimeoutMs);
    if (build?.launchFailure) {
      throw new GraderError('INFRA_FAILED', `the grader could not start the build of ${target.name}: ${build.launchFailure.message}`, `see ${join(runDir, 'build.log')}; this is not the target's fault, rerun`);
    }
    const buildFailure = setupFailure ?? (build?.ok === false ? `target build failed: ${build.reason}` : undefined);
    const results: CheckResult[] = [];
    let infraFailure: string | undefined;
    for (let run = 0; run < repeat; run++) {
      if (infraFailure) {
        results.push(...failSelected(selected, `${InfraFailure.PREFIX}${infraFailure}`, run));
        continue;
      }
      if (signal?.aborted) {
        results.push(...failSelected(selected, abortReason(), run));
        continue;
      }
      onRun?.(run);
      if (buildFailure) {
        results.push(...failSelected(selected, signal?.aborted ? abortReason() : buildFailure, run));
        continue;
      }
      // Damage left by an earlier target (or anything else) is repaired before this one starts,
      // so whatever breaks during its run started while it ran.
      const before = await infra.health();
      if (before.length > 0) {
        options.logger?.warn(`the servers are not healthy before grading ${target.name} (${before.join('; ')}); restarting them`);
        await infra.recover();
      }
      // Verdicts reached after the budget ran out come from a target the grader killed.
      let judged = 0;
      let judgedBeforeAbort: number | undefined;
      const markAbort = (): void => {
        judgedBeforeAbort = judged;
      };
      signal?.addEventListener('abort', markAbort, { once: true });
      // Aborted while the servers were being repaired: nothing of this run counts.
      if (signal?.aborted) markAbort();
      const counted: CheckListener = (r) => {
        if (signal?.aborted) return;
        judged += 1;
        listener?.(r);
      };
      const outcome = await runChecks({ endpoints: infra.endpoints, graderClientId: graderClientId(), target, seed, runDir: join(runDir, `run-${run + 1}`), selected, ...(sandbox ? { sandbox: sandbox.spec } : {}) }, run, counted, signal).finally(() => signal?.removeEventListener('abort', markAbort));
      if (judgedBeforeAbort !== undefined) {
        const kept = outcome.results.slice(0, judgedBeforeAbort).filter((r) => r.status !== 'skipped');
        // A failure of the grader's own before the budget ran out is still the grader's.
        const fault = kept.find((r) => r.message?.startsWith(GraderFault.PREFIX));
        if (fault) throw new GraderError('INFRA_FAILED', `the grader failed while grading ${target.name}: ${fault.message?.slice(GraderFault.PREFIX.length) ?? ''}`, `see the logs in ${runDir}; this is not the target's fault, rerun`);
        const hit = kept.find((r) => r.message?.startsWith(InfraFailure.PREFIX));
        if (hit) infraFailure = stripInfraPrefix(hit.message ?? '');
        const keptIds = new Set(kept.map((r) => r.id));
        const rest = failSelected(selected, abortReason(), run).filter((r) => r.status === 'skipped' || !keptIds.has(r.id));
        for (const r of rest) if (r.status === 'failed') listener?.(r);
        results.push(...kept, ...rest);
        continue;
      }
      const damage = await infra.health();
      if (damage.length > 0) {
        // Healthy when the run began, broken at its end: the target's doing, scored as its failure.
        // The next run (or target) finds it broken and restarts it before it starts.
        const reason = `the shared infrastructure broke while the target ran (${damage.join('; ')})`;
        options.logger?.warn(`${target.name}: ${reason}; its failed checks are scored with that reason`);
        results.push(...outcome.results.map((r) => (r.status === 'failed' ? { ...r, message: `${reason}: ${stripInfraPrefix(r.message ?? '')}` } : r)));
        continue;
      }
      if (outcome.graderFaults.length > 0) {
        throw new GraderError('INFRA_FAILED', `the grader failed while grading ${target.name}: ${outcome.graderFaults[0]}`, `see the logs in ${runDir}; this is not the target's fault, rerun`);
      }
      infraFailure = outcome.infraFailures[0];
      results.push(...outcome.results);
    }
    return { results, containment, ...(infraFailure ? { infraFailure } : {}) };
  } finally {
    signal?.removeEventListener('abort', stopTarget);
    sandbox?.stop();
  }
}

/** Every catalog check for one run: the selected ones failed with `message`, the rest skipped. */
function failSelected(selected: readonly string[], message: string, run: number): CheckResult[] {
  return CATALOG.map((c) =>
    selected.includes(c.id) ? { ...c, status: 'failed' as const, message, durationMs: 0, run } : { ...c, status: 'skipped' as const, durationMs: 0, run },
  );
}
