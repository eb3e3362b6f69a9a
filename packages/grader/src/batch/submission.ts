import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { GraderError } from '../errors/grader-error.ts';

/** What a submission is made of: a directory that follows docs/CONTRACT.md, or a diff against the exported task. */
export type SubmissionSource = { readonly kind: 'directory'; readonly dir: string } | { readonly kind: 'diff'; readonly patch: string };

/** One model's attempt at the task, as `grader batch` grades it. */
export interface Submission {
  /** `<model>/<attempt>`: unique within a batch. */
  readonly id: string;
  readonly model: string;
  /** 1-based. */
  readonly attempt: number;
  /** SWE-bench's `instance_id`, when the submission came from a predictions file. */
  readonly instanceId?: string;
  /** Where it was read from, for messages: a path, or `file:line`. */
  readonly origin: string;
  readonly source: SubmissionSource;
}

const PREDICTION_EXTENSIONS = new Set(['.jsonl', '.json']);
const DIFF_EXTENSIONS = new Set(['.diff', '.patch']);
const HINT = 'see docs/scoring-submissions.md for the layouts grader batch reads';

function invalid(message: string, hint = HINT): GraderError {
  return new GraderError('SUBMISSIONS_INVALID', message, hint);
}

/** A directory the grader can start: it says how (docs/CONTRACT.md section 1). */
export function isTargetDir(dir: string): boolean {
  return existsSync(join(dir, 'target.json')) || existsSync(join(dir, 'package.json'));
}

/** The folder a submission's results go to: the model (`/` becomes `__`, as SWE-bench does) and the attempt. */
export function submissionFolder(sub: Pick<Submission, 'model' | 'attempt'>): string {
  let model = sub.model.replaceAll('/', '__').replace(/[^A-Za-z0-9._@+-]/g, '_');
  if (model.startsWith('.')) model = `_${model}`;
  // Two names that sanitise alike ("gpt 4", "gpt_4") keep folders of their own.
  if (model !== sub.model) model = `${model}-${createHash('sha256').update(sub.model).digest('hex').slice(0, 6)}`;
  return join(model, String(sub.attempt));
}

function make(model: string, attempt: number, origin: string, source: SubmissionSource, instanceId?: string): Submission {
  return { id: `${model}/${attempt}`, model, attempt, origin, source, ...(instanceId === undefined ? {} : { instanceId }) };
}

function parseAttempt(name: string, where: string): number {
  const match = ATTEMPT_NAME.test(name) ? /(\d+)$/.exec(name) : null;
  const attempt = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw invalid(`${where}: '${name}' is not an attempt number`, 'name attempt folders 1, 2, 3 ... (or attempt-1 ...) inside one folder per model: <model>/<attempt>/');
  }
  return attempt;
}

/** Larger than any diff a model writes for this task. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** A submissions file: a regular file (not a FIFO, device or symlink) of bounded size. */
function readText(path: string): string {
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (!info?.isFile()) throw invalid(`${path}: not a regular file`, 'give diffs and predictions as regular files (symlinks, FIFOs and devices are not read)');
  if (info.size > MAX_FILE_BYTES) throw invalid(`${path}: ${info.size} bytes, more than the ${MAX_FILE_BYTES} a submissions file may have`, 'split it, or check that it is the right file');
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(`cannot read ${path}: ${(error as Error).message}`, 'check the path and its permissions');
  }
}

/**
 * SWE-bench predictions: JSON Lines (or a JSON array) of `{instance_id, model_name_or_path,
 * model_patch}` plus an optional `attempt` (default 1). A null or empty patch is the task as
 * exported, unchanged.
 */
export function parsePredictions(text: string, file: string): Submission[] {
  const trimmed = text.trimStart();
  const entries: { value: unknown; where: string }[] = [];
  if (trimmed.startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (error) {
      throw invalid(`${file}: not valid JSON (${(error as Error).message})`, 'give JSON Lines (one prediction per line) or one JSON array');
    }
    (list as unknown[]).forEach((value, i) => entries.push({ value, where: `${file}: entry ${i + 1}` }));
  } else {
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const where = `${file}:${i + 1}`;
      try {
        entries.push({ value: JSON.parse(line), where });
      } catch (error) {
        throw invalid(`${where}: not valid JSON (${(error as Error).message})`, 'each line of a predictions file is one JSON object: {"instance_id", "model_name_or_path", "model_patch"}');
      }
    });
  }
  return entries.map(({ value, where }) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${where}: a prediction must be a JSON object`);
    const record = value as Record<string, unknown>;
    const field = (name: string): string => {
      const v = record[name];
      if (typeof v !== 'string' || !v.trim()) throw invalid(`${where}: "${name}" must be a non-empty string`, 'a prediction has "instance_id", "model_name_or_path", "model_patch" and optionally "attempt"');
      return v;
    };
    const instanceId = field('instance_id');
    const model = field('model_name_or_path');
    if (model.length > 200) throw invalid(`${where}: "model_name_or_path" is ${model.length} characters long; at most 200`, 'it names a folder of the results');
    const patch = record.model_patch;
    if (patch !== null && patch !== undefined && typeof patch !== 'string') throw invalid(`${where}: "model_patch" must be a string (a unified diff against the exported task)`);
    const attempt = record.attempt ?? 1;
    if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt < 1) throw invalid(`${where}: "attempt" must be a positive integer, got ${JSON.stringify(attempt)}`);
    return make(model, attempt, where, { kind: 'diff', patch: patch ?? '' }, instanceId);
  });
}

/** One attempt folder (or the model folder itself, as attempt 1): a target directory or a single diff. */
function fromAttemptDir(dir: string, model: string, attempt: number): Submission {
  if (isTargetDir(dir)) return make(model, attempt, dir, { kind: 'directory', dir });
  const diffs = readdirSync(dir).filter((f) => DIFF_EXTENSIONS.has(extname(f)));
  if (diffs.length === 1) {
    const file = join(dir, diffs[0] as string);
    return make(model, attempt, file, { kind: 'diff', patch: readText(file) });
  }
  // Neither a target nor one diff: graded as a directory, which then fails to say how to start
  // (a verdict on this submission, not a reason to stop the batch).
  return make(model, attempt, dir, { kind: 'directory', dir });
}

const ATTEMPT_NAME = /^(?:attempt[-_]?)?\d+$/i;

/** The attempts of one model folder (`<attempt>/` folders and `<attempt>.diff` files). */
function fromModelDir(path: string, model: string): Submission[] {
  const found: Submission[] = [];
  for (const attemptEntry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (attemptEntry.name.startsWith('.')) continue;
    const attemptPath = join(path, attemptEntry.name);
    if (attemptEntry.isFile() && DIFF_EXTENSIONS.has(extname(attemptEntry.name))) {
      found.push(make(model, parseAttempt(basename(attemptEntry.name, extname(attemptEntry.name)), path), attemptPath, { kind: 'diff', patch: readText(attemptPath) }));
    } else if (attemptEntry.isDirectory()) {
      found.push(fromAttemptDir(attemptPath, model, parseAttempt(attemptEntry.name, path)));
    } else {
      throw invalid(`${attemptPath}: expected an attempt folder or <attempt>.diff`, 'lay submissions out as <model>/<attempt>/ (a service directory or one .diff) or <model>/<attempt>.diff');
    }
  }
  return found;
}

/** A folder whose entries are all attempts (`1/`, `2.diff`): one model's folder given on its own. */
function isModelDir(root: string): boolean {
  const names = readdirSync(root).filter((n) => !n.startsWith('.'));
  return names.length > 0 && names.every((n) => ATTEMPT_NAME.test(DIFF_EXTENSIONS.has(extname(n)) ? basename(n, extname(n)) : n));
}

function fromLayout(root: string): Submission[] {
  if (isModelDir(root)) return fromModelDir(root, basename(root));
  const found: Submission[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(root, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isFile() && PREDICTION_EXTENSIONS.has(extname(entry.name))) {
      found.push(...parsePredictions(readText(path), path));
      continue;
    }
    if (entry.isFile() && DIFF_EXTENSIONS.has(extname(entry.name))) {
      found.push(make(basename(entry.name, extname(entry.name)), 1, path, { kind: 'diff', patch: readText(path) }));
      continue;
    }
    if (!entry.isDirectory()) {
      if (entry.name.toLowerCase().startsWith('readme')) continue;
      throw invalid(`${path}: not a model folder, a predictions file (.jsonl/.json) or a diff`);
    }
    const model = entry.name;
    if (isTargetDir(path)) found.push(make(model, 1, path, { kind: 'directory', dir: path }));
    else found.push(...fromModelDir(path, model));
  }
  return found;
}

/**
 * Every submission under the given paths: predictions files, diffs, a single target directory,
 * or a `<model>/<attempt>/` tree mixing them. Ids must be unique; the result is sorted by id.
 */
export function loadSubmissions(paths: readonly string[], cwd = process.cwd()): Submission[] {
  if (paths.length === 0) throw invalid('no --submissions given', 'e.g. --submissions predictions.jsonl or --submissions submissions/');
  const all: Submission[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    let info;
    try {
      info = statSync(path);
    } catch {
      throw invalid(`--submissions ${given}: no such file or directory (looked at ${path})`, 'give a predictions file (.jsonl), a diff, or a folder of <model>/<attempt>/ submissions');
    }
    if (info.isFile()) {
      if (PREDICTION_EXTENSIONS.has(extname(path))) all.push(...parsePredictions(readText(path), relative(cwd, path) || path));
      else if (DIFF_EXTENSIONS.has(extname(path))) all.push(make(basename(path, extname(path)), 1, path, { kind: 'diff', patch: readText(path) }));
      else throw invalid(`--submissions ${given}: a file must be predictions (.jsonl or .json) or a diff (.diff or .patch)`);
    } else if (isTargetDir(path)) {
      all.push(make(basename(path), 1, path, { kind: 'directory', dir: path }));
    } else {
      let entries: Submission[];
      try {
        entries = fromLayout(path);
      } catch (error) {
        if (error instanceof GraderError) throw error;
        throw invalid(`cannot read ${path}: ${(error as Error).message}`, 'check the path and its permissions');
      }
      if (entries.length === 0) throw invalid(`--submissions ${given}: no submissions found in ${path}`);
      all.push(...entries);
    }
  }
  const byFolder = new Map<string, Submission>();
  for (const sub of all) {
    const folder = submissionFolder(sub);
    const other = byFolder.get(folder);
    if (other) throw invalid(`duplicate submission id ${sub.id}: from ${other.origin} and from ${sub.origin}`, 'give each attempt of a model its own number ("attempt" in predictions, <model>/<attempt>/ in folders)');
    byFolder.set(folder, sub);
  }
  return all.sort((a, b) => (a.model === b.model ? a.attempt - b.attempt : a.model < b.model ? -1 : 1));
}
