import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { GraderError } from '../errors/grader-error.ts';
import { REPO_ROOT } from '../paths.ts';

/** How to run a command: argv without a shell, or a string through `sh -c`. */
export type CommandSpec = { readonly argv: readonly string[] } | { readonly shell: string };

/** A target as docs/CONTRACT.md defines it: a directory that says how it is built and started. */
export interface TargetSpec {
  readonly name: string;
  readonly dir: string;
  readonly build?: CommandSpec;
  readonly start: CommandSpec;
  readonly source: 'target.json' | 'package.json';
  /**
   * Host paths the target needs read-only besides its own directory, vouched for by the grader
   * (its named targets' and mutants' workspace dependencies); never read from a submission.
   */
  readonly readOnly?: readonly string[];
}

/** Targets that ship with the repo, by name. */
export const NAMED_TARGETS: Readonly<Record<string, string>> = {
  'buggy-service': 'packages/buggy-service',
  'reference-fix': 'packages/reference-fix',
  'buggy-service-go': 'packages/buggy-service-go',
  'reference-fix-go': 'packages/reference-fix-go',
};

/** The binary the Go named targets build (`go build -o inventory-service`); copies and bundles leave it out. */
export const GO_BINARY = 'inventory-service';

/** A key of NAMED_TARGETS (`reference-fix`, `buggy-service-go`, …), or a path to any directory that follows the contract. */
export function resolveTarget(nameOrPath: string, cwd: string = process.cwd()): TargetSpec {
  const named = NAMED_TARGETS[nameOrPath];
  const dir = named ? join(REPO_ROOT, named) : resolve(cwd, nameOrPath);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    if (named) throw new GraderError('TARGET_NOT_FOUND', `named target '${nameOrPath}' has no directory ${named}`, `check out or create ${named}, or use another target`);
    throw new GraderError(
      'TARGET_NOT_FOUND',
      `target '${nameOrPath}' is neither a named target nor a directory (looked at ${dir})`,
      `use one of ${Object.keys(NAMED_TARGETS).join(', ')} or a path to a service directory (see docs/CONTRACT.md)`,
    );
  }
  const name = named ? nameOrPath : basename(dir);
  const manifest = join(dir, 'target.json');
  if (lstatSync(manifest, { throwIfNoEntry: false })) return { name, dir, source: 'target.json', ...parseManifest(readManifest(manifest), manifest) };
  const pkg = join(dir, 'package.json');
  if (lstatSync(pkg, { throwIfNoEntry: false })) return { name, dir, source: 'package.json', ...fromPackageJson(readManifest(pkg), pkg) };
  throw new GraderError(
    'TARGET_INVALID',
    `target ${dir} has neither target.json nor package.json`,
    'add a target.json with a "start" command (docs/CONTRACT.md, "How a target is started")',
  );
}

/** Larger than any manifest; a submission's file is read only up to this. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * A submission's manifest, read as the grader (outside any sandbox): only a regular file (never
 * through a symlink, never a FIFO or device), of bounded size; any problem is TARGET_INVALID.
 */
function readManifest(file: string): string {
  const info = lstatSync(file);
  if (!info.isFile()) throw invalid(file, 'is not a regular file (a symlink, folder or device is not followed)');
  if (info.size > MAX_MANIFEST_BYTES) throw invalid(file, `is ${info.size} bytes; at most ${MAX_MANIFEST_BYTES}`);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function invalid(file: string, what: string): GraderError {
  return new GraderError('TARGET_INVALID', `${file}: ${what}`, 'see docs/CONTRACT.md, "How a target is started"');
}

function toCommand(value: unknown, file: string, field: string): CommandSpec {
  if (typeof value === 'string' && value.trim()) return { shell: value };
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0)) {
    return { argv: value as string[] };
  }
  throw invalid(file, `"${field}" must be a non-empty string (run by sh -c) or a non-empty array of strings (argv)`);
}

/** A JSON.parse error without the text it quotes (a submission's file may hold anything). */
function jsonError(error: unknown): string {
  const message = (error as Error).message;
  const position = /position \d+(?: \(line \d+ column \d+\))?/.exec(message);
  return position ? `syntax error at ${position[0]}` : 'syntax error';
}

export function parseManifest(text: string, file: string): Pick<TargetSpec, 'build' | 'start'> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(file, `not valid JSON (${jsonError(error)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(file, 'must be a JSON object');
  const record = json as Record<string, unknown>;
  // docs/CONTRACT.md section 1: unknown fields are ignored (a submission may describe itself).
  if (record.start === undefined) throw invalid(file, 'missing "start"');
  const start = toCommand(record.start, file, 'start');
  return record.build === undefined ? { start } : { start, build: toCommand(record.build, file, 'build') };
}

function fromPackageJson(text: string, file: string): Pick<TargetSpec, 'build' | 'start'> {
  let pkg: { scripts?: Record<string, unknown> };
  try {
    pkg = JSON.parse(text) as typeof pkg;
  } catch (error) {
    throw invalid(file, `not valid JSON (${jsonError(error)})`);
  }
  if (typeof pkg.scripts?.start !== 'string') throw invalid(file, 'has no scripts.start (and there is no target.json)');
  const start: CommandSpec = { argv: ['npm', 'start', '--silent'] };
  return typeof pkg.scripts.build === 'string' ? { start, build: { argv: ['npm', 'run', 'build', '--silent'] } } : { start };
}

/** The argv to spawn for a command spec. */
export function commandArgv(command: CommandSpec): string[] {
  return 'argv' in command ? [...command.argv] : ['sh', '-c', command.shell];
}
