import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraderError } from '../errors/grader-error.ts';
import { TOOL_NAME } from '../reports/report-data.ts';
import type { Category } from '../scoring/types.ts';
import type { GradingSettings } from './content-key.ts';
import { submissionFolder, type Submission } from './submission.ts';

/** `batch.json` at the top of an output folder: the settings every result in it was graded with. */
export interface BatchManifest {
  readonly schemaVersion: 1;
  readonly tool: string;
  readonly settings: GradingSettings;
  readonly createdAt: string;
}

/**
 * How a submission ended: `graded` (checks ran, possibly failing or over budget), `not_applied`
 * (its diff does not apply to the exported task), `not_a_target` (its folder does not say how
 * to start it). The last two score 0.
 */
export type SubmissionStatus = 'graded' | 'not_applied' | 'not_a_target';

/** `result.json` of one submission; written last, so its presence means the submission is done. */
export interface SubmissionResult {
  readonly schemaVersion: 1;
  /** resultKey(settings, digest): a result counts only for the same key. */
  readonly key: string;
  readonly submission: {
    readonly id: string;
    readonly model: string;
    readonly attempt: number;
    readonly instanceId?: string;
    readonly kind: 'directory' | 'diff';
    readonly origin: string;
    readonly digest: string;
  };
  readonly status: SubmissionStatus;
  /** 0..1, as `grader run` computes it; 0 when not graded. */
  readonly score: number;
  /** Score 1: every selected check passed in every run. */
  readonly resolved: boolean;
  /** Why it was not graded, or that its budget ran out. */
  readonly reason?: string;
  readonly budgetExceeded: boolean;
  readonly categories: readonly { readonly category: Category; readonly weight: number; readonly earned: number; readonly passed: number; readonly total: number }[];
  /** Check id → runs passed / runs, over the checks that ran. */
  readonly checks: Readonly<Record<string, { readonly passed: number; readonly runs: number }>>;
  readonly durationMs: number;
  readonly gradedAt: string;
  /** Id of the submission with identical content whose result this one copies. */
  readonly reusedFrom?: string;
  /** Grades an infrastructure failure ended, with what broke (engine/grade-submission.ts); two = the verdict. */
  readonly infraAttempts?: readonly { readonly infraFailure: string; readonly runDir: string }[];
}

export const MANIFEST = 'batch.json';
export const SUMMARY = 'summary.json';
const SUBMISSIONS = 'submissions';
const RESULT = 'result.json';
const LOCK = '.batch.lock';
/** Prefix of the exported task's copy a batch keeps beside its results while it runs. */
export const TASK_BASE_PREFIX = '.task-base-';

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJson<T>(path: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GraderError('BATCH_MISMATCH', `${path}: unreadable ${what} (${(error as Error).message})`, 'this folder was not written by grader batch, or was damaged; use another --out');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GraderError('BATCH_MISMATCH', `${path}: ${what} is not a JSON object`, 'this folder was not written by grader batch, or was damaged; use another --out');
  }
  return value as T;
}

/** A submission's result, or undefined when it is missing or damaged (a kill mid-write): graded again. */
function readResult(path: string): SubmissionResult | undefined {
  try {
    const result = readJson<SubmissionResult>(path, RESULT);
    return typeof result.key === 'string' && typeof result.submission === 'object' && result.submission !== null ? result : undefined;
  } catch {
    return undefined;
  }
}

/** The first setting two manifests disagree on, as `name: a vs b`, or undefined when equal. */
export function settingsDifference(a: GradingSettings, b: GradingSettings): string | undefined {
  for (const name of Object.keys({ ...a, ...b }) as (keyof GradingSettings)[]) {
    const [x, y] = [JSON.stringify(a[name]), JSON.stringify(b[name])];
    if (x !== y) return `${name} ${x} vs ${y}`;
  }
  return undefined;
}

/**
 * A batch output folder: `batch.json`, then one folder per submission
 * (`submissions/<model>/<attempt>/`) holding its result, report, logs and what was graded.
 */
export class ResultStore {
  /** Finished results by folder: read from disk once, then kept up to date by this process (the only writer, see lock()). */
  private readonly byFolder = new Map<string, SubmissionResult>();

  private constructor(
    readonly dir: string,
    readonly manifest: BatchManifest,
  ) {
    const root = join(dir, SUBMISSIONS);
    if (!existsSync(root)) return;
    for (const model of readdirSync(root)) {
      for (const attempt of readdirSync(join(root, model))) {
        const folder = join(root, model, attempt);
        const result = readResult(join(folder, RESULT));
        if (result) this.byFolder.set(folder, result);
      }
    }
  }

  /**
   * Opens `dir` for grading with `settings`: creates it, or checks that the results already in
   * it were graded with the same settings (another grader version, seed, weights or check
   * selection is refused, and nothing in it is touched).
   */
  static openForGrading(dir: string, settings: GradingSettings, now = new Date()): ResultStore {
    const existing = ResultStore.readManifest(dir);
    if (existing) {
      const difference = settingsDifference(existing.settings, settings);
      if (difference) {
        throw new GraderError('BATCH_MISMATCH', `--out ${dir} holds results graded with other settings (${difference})`, 'use a new --out folder, or the grader and options that folder was graded with (see its batch.json)');
      }
      return new ResultStore(dir, existing);
    }
    const manifest: BatchManifest = { schemaVersion: 1, tool: TOOL_NAME, settings, createdAt: now.toISOString() };
    mkdirSync(dir, { recursive: true });
    writeAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return new ResultStore(dir, manifest);
  }

  /** Opens an existing batch folder to read (merge, leaderboard). */
  static openForReading(dir: string): ResultStore {
    const manifest = ResultStore.readManifest(dir);
    if (!manifest) throw new GraderError('BATCH_MISMATCH', `${dir} is not a grader batch folder (no ${MANIFEST})`, 'give a folder written by grader batch --out or grader merge --out');
    return new ResultStore(dir, manifest);
  }

  /** The manifest of `dir`; undefined when `dir` is missing or empty; refuses any other folder. */
  private static readManifest(dir: string): BatchManifest | undefined {
    if (!existsSync(dir)) return undefined;
    if (!statSync(dir).isDirectory()) throw new GraderError('USAGE', `${dir} exists and is not a directory`, 'give a new folder or one written by grader batch');
    const path = join(dir, MANIFEST);
    if (!existsSync(path)) {
      // Only a manifest a kill left half-written (batch.json.tmp-<pid>): as good as empty.
      if (readdirSync(dir).every((name) => name.startsWith(`${MANIFEST}.tmp-`))) return undefined;
      throw new GraderError('BATCH_MISMATCH', `${dir} is not empty and holds no ${MANIFEST}: not a grader batch folder`, 'give a new or empty folder, or one written by grader batch; nothing in it was touched');
    }
    const manifest = readJson<BatchManifest>(path, MANIFEST);
    if (manifest.schemaVersion !== 1 || typeof manifest.settings !== 'object') {
      throw new GraderError('BATCH_MISMATCH', `${path}: schema version ${String(manifest.schemaVersion)} is not one this grader reads`, 'use the grader version that wrote it, or a new folder');
    }
    return manifest;
  }

  /**
   * Makes this process the folder's only writer until `release()`: another live `grader batch`
   * on the same --out is refused; a lock left by a killed one is taken over. Also removes what a
   * killed batch left beside the results (its copies of the exported task).
   */
  lock(): { release(): void } {
    const path = join(this.dir, LOCK);
    for (;;) {
      try {
        writeFileSync(path, String(process.pid), { flag: 'wx' });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(readFileSync(path, 'utf8'));
        if (holder !== process.pid && isAlive(holder)) {
          throw new GraderError('BATCH_MISMATCH', `--out ${this.dir} is being written by another grader (pid ${holder})`, 'wait for it to finish, or give this batch another --out');
        }
        unlinkSync(path);
      }
    }
    for (const name of readdirSync(this.dir)) if (name.startsWith(TASK_BASE_PREFIX)) rmSync(join(this.dir, name), { recursive: true, force: true });
    return {
      release: () => {
        if (existsSync(path) && readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
      },
    };
  }

  /** Absolute folder of a submission's files. */
  folderOf(sub: Pick<Submission, 'model' | 'attempt'>): string {
    return join(this.dir, SUBMISSIONS, submissionFolder(sub));
  }

  /** The submission's result if it is done for this key. */
  doneFor(sub: Pick<Submission, 'id' | 'model' | 'attempt'>, key: string): SubmissionResult | undefined {
    const result = this.byFolder.get(this.folderOf(sub));
    return result && result.key === key && result.submission.id === sub.id ? result : undefined;
  }

  /** A result with this key under any submission (identical content graded before). */
  withKey(key: string): { folder: string; result: SubmissionResult } | undefined {
    for (const [folder, result] of this.byFolder) if (result.key === key) return { folder, result };
    return undefined;
  }

  /** Empties the submission's folder (a partial earlier attempt, or a changed submission) and returns it. */
  begin(sub: Submission): string {
    const folder = this.folderOf(sub);
    this.byFolder.delete(folder);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    return folder;
  }

  /** Records the result; after this the submission counts as done. */
  finish(sub: Submission, result: SubmissionResult): void {
    const folder = this.folderOf(sub);
    writeFileSync(join(folder, 'summary.txt'), `${summaryLine(result)}\n`);
    writeAtomic(join(folder, RESULT), `${JSON.stringify(result, null, 2)}\n`);
    this.byFolder.set(folder, result);
  }

  /** Copies another folder's files into this submission's folder (used by merge). */
  adopt(sub: Pick<Submission, 'model' | 'attempt'>, from: string): void {
    const folder = this.folderOf(sub);
    // Copied beside, then swapped in: a kill leaves the old folder or the new one, never half of one.
    const staging = `${folder}.merging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(from, staging, { recursive: true, verbatimSymlinks: true });
    rmSync(folder, { recursive: true, force: true });
    renameSync(staging, folder);
    const result = readResult(join(folder, RESULT));
    if (result) this.byFolder.set(folder, result);
    else this.byFolder.delete(folder);
  }

  /** Every finished result in the folder, sorted by submission id. */
  results(): SubmissionResult[] {
    return this.scan().map((r) => r.result);
  }

  /** Every finished result with its folder, sorted by submission id. */
  scan(): { folder: string; result: SubmissionResult }[] {
    return [...this.byFolder].map(([folder, result]) => ({ folder, result })).sort((a, b) => compareIds(a.result.submission, b.result.submission));
  }

  /** Rewrites summary.json: the manifest plus every result (without per-check detail). */
  writeSummary(): void {
    const results = this.results().map(({ checks: _checks, ...rest }) => rest);
    writeAtomic(join(this.dir, SUMMARY), `${JSON.stringify({ ...this.manifest, submissions: results.length, results }, null, 2)}\n`);
  }
}

function compareIds(a: { model: string; attempt: number }, b: { model: string; attempt: number }): number {
  return a.model === b.model ? a.attempt - b.attempt : a.model < b.model ? -1 : 1;
}

/** One line per submission, as summary.txt and the batch's progress print it. */
export function summaryLine(result: SubmissionResult): string {
  const score = `score ${result.score.toFixed(3)}${result.resolved ? ' (resolved)' : ''}`;
  const cats = result.categories
    .filter((c) => c.total > 0)
    .map((c) => `${c.category} ${c.passed}/${c.total}`)
    .join(', ');
  const why = result.reason ? `; ${result.reason}` : '';
  const reused = result.reusedFrom ? `; same content as ${result.reusedFrom}` : '';
  return `${result.submission.id}: ${result.status === 'graded' ? score : `${result.status.replace(/_/g, ' ')}, score 0`}${cats ? ` [${cats}]` : ''}${why}${reused} (${Math.round(result.durationMs / 1000)} s)`;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
