import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { GRADER_ROOT, REPO_ROOT } from '../paths.ts';
import type { Submission } from './submission.ts';

/** Never part of a submission's digest: version control and grader leftovers, not what runs. */
const UNHASHED_SUBMISSION = new Set(['.git', '.grader']);
/** Never part of the grader's digest: installed or generated (vitest writes src/checks/node_modules/.vite). */
const UNHASHED = new Set(['node_modules', '.git', '.grader']);

function sha256(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    hash.update(`${Buffer.byteLength(part)}:`);
    hash.update(part);
  }
  return hash.digest('hex');
}

/** A file's sha256, read in chunks: a submission may hold files larger than the grader's memory. */
function fileDigest(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every file below `root` (symlinks as their link text, never followed), sorted. */
function treeParts(root: string, skip: (name: string) => boolean): (string | Buffer)[] {
  const parts: (string | Buffer)[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (skip(entry.name)) continue;
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) walk(path);
      else if (entry.isSymbolicLink()) parts.push(`link ${rel}`, readlinkSync(path));
      else if (entry.isFile()) parts.push(`file ${rel}`, fileDigest(path));
      else parts.push(`other ${rel}`);
    }
  };
  walk(root);
  return parts;
}

/**
 * The digest of what was submitted: the diff's text, or every file the sandbox copies of the
 * directory (a node_modules included: a build may use it as it is); only .git is left out.
 */
export function submissionDigest(sub: Submission): string {
  if (sub.source.kind === 'diff') return sha256(['diff', sub.source.patch]);
  return sha256(['directory', ...treeParts(sub.source.dir, (name) => UNHASHED_SUBMISSION.has(name))]);
}

let buildDigest: string | undefined;

/**
 * What the grader is, beyond its version number: its sources (checks, scenarios, sandbox), the
 * task a diff applies to (the buggy service, contract, schema, prompt), so a result is never
 * reused by a grader or task that changed. Computed once per process.
 */
export function graderBuild(): string {
  buildDigest ??= sha256([
    ...treeParts(join(GRADER_ROOT, 'src'), (name) => name.endsWith('.test.ts') || UNHASHED.has(name)),
    ...treeParts(join(REPO_ROOT, 'packages/buggy-service'), (name) => UNHASHED.has(name)),
    ...['docs/CONTRACT.md', 'docs/schema.sql', 'prompt.md', 'docker-compose.yml'].flatMap((f) => [f, readFileSync(join(REPO_ROOT, f))]),
  ]).slice(0, 16);
  return buildDigest;
}

/** Every setting a verdict depends on; two results compare only when these are equal. */
export interface GradingSettings {
  readonly graderVersion: string;
  readonly graderBuild: string;
  readonly seed: number;
  readonly repeat: number;
  /** sha256 of the weights file's content. */
  readonly weights: string;
  /** Check ids graded, in catalog order. */
  readonly checks: readonly string[];
  /** `sandboxed: ...limits` or `not sandboxed`; a budget in seconds. */
  readonly containment: string;
  readonly budgetSeconds: number;
}

export function digestText(text: string | Buffer): string {
  return sha256([text]);
}

/** The result key: same submission content and same settings, same key. */
export function resultKey(settings: GradingSettings, digest: string): string {
  return sha256([JSON.stringify(settings), digest]).slice(0, 32);
}
