import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import { CATALOG_BY_ID } from '../checks/catalog.ts';
import { GraderError } from '../errors/grader-error.ts';
import { GRADER_ROOT, REPO_ROOT } from '../paths.ts';
import { CATEGORIES, type Category } from '../scoring/types.ts';
import { NAMED_TARGETS } from '../target/target-spec.ts';

/**
 * The validation suite: variants of a reference fix (reference-fix, or its Go twin) kept as small
 * edit sets (mutants with one bug put back, the seed's common mistakes, alternative correct fixes)
 * and what the grader must say about each target. Everything is checked before anything starts;
 * a problem is one GraderError.
 */

export const VALIDATION_DIR = join(GRADER_ROOT, 'validation');
export const REFERENCE_DIR = join(REPO_ROOT, 'packages/reference-fix');
export const BUGGY_DIR = join(REPO_ROOT, 'packages/buggy-service');

/** The named targets a variant's edits may apply to (its `"base"`); the first is the default. */
export const VARIANT_BASES = ['reference-fix', 'reference-fix-go'] as const;
export type VariantBase = (typeof VARIANT_BASES)[number];

/** Where a base's files are read, and the buggy package whose `// BUG:` comments its mutants name. */
export interface BaseDirs {
  readonly base: string;
  readonly buggy: string;
  /** The buggy package's name in messages. */
  readonly buggyName: string;
}

export type SuiteDirs = Readonly<Record<VariantBase, BaseDirs>>;

export const SUITE_DIRS: SuiteDirs = {
  'reference-fix': { base: REFERENCE_DIR, buggy: BUGGY_DIR, buggyName: 'buggy-service' },
  'reference-fix-go': { base: join(REPO_ROOT, 'packages/reference-fix-go'), buggy: join(REPO_ROOT, 'packages/buggy-service-go'), buggyName: 'buggy-service-go' },
};

/** `mutant-*`: one `// BUG:` put back; `mistake-*`: a whole wrong fix; `alt-*`: a correct fix in another style. */
export type VariantKind = 'mutant' | 'mistake' | 'alt';
const KINDS: readonly VariantKind[] = ['mutant', 'mistake', 'alt'];

/** Replace the one occurrence of `find`, or write the whole file. Paths are relative to the target. */
export type Edit = { readonly file: string; readonly find: string; readonly replace: string } | { readonly file: string; readonly content: string };

export interface Variant {
  readonly id: string;
  readonly kind: VariantKind;
  readonly description: string;
  /** The named target the edits apply to (`"base"`, default reference-fix). */
  readonly base: VariantBase;
  /** `<file>:<line>` of the `// BUG:` comment in the base's buggy package (mutants only). */
  readonly bug?: string;
  /** The catalog category whose checks must catch it (mutants and mistakes). */
  readonly category?: Category;
  readonly edits: readonly Edit[];
}

/** What the grader must say about one target; exactly one of minScore, maxScore, caughtIn. */
export interface Expectation {
  readonly target: string;
  readonly minScore?: number;
  readonly maxScore?: number;
  /** In every run, at least one check of this category fails. */
  readonly caughtIn?: Category;
  /** Checks (of `caughtIn`) that must fail in every run. */
  readonly caughtBy?: readonly string[];
  readonly note?: string;
}

export interface Suite {
  readonly variants: ReadonlyMap<string, Variant>;
  /** In file order; one per target. */
  readonly expectations: readonly Expectation[];
}

const HINT = 'see packages/grader/validation/README.md for the format';

function invalid(source: string, message: string, hint = HINT): GraderError {
  return new GraderError('VALIDATION_INVALID', `${source}: ${message}`, hint);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalid(relative(REPO_ROOT, path), `cannot read JSON (${(error as Error).message})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCategory(value: unknown): value is Category {
  return typeof value === 'string' && (CATEGORIES as readonly string[]).includes(value);
}

function isBase(value: unknown): value is VariantBase {
  return typeof value === 'string' && (VARIANT_BASES as readonly string[]).includes(value);
}

function kindOf(id: string): VariantKind | undefined {
  return KINDS.find((kind) => id.startsWith(`${kind}-`));
}

/** A relative path that stays inside the target directory. */
function safeFile(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const path = normalize(value);
  return path.startsWith('..') || path.startsWith('/') || path.split('/').includes('node_modules') ? undefined : path;
}

/** Parses one variant file; `source` names it in messages. */
export function parseVariant(json: unknown, source: string, expectedId?: string): Variant {
  if (!isRecord(json)) throw invalid(source, 'must be a JSON object');
  const { id, description, base = VARIANT_BASES[0], bug, category, edits } = json;
  if (typeof id !== 'string' || !/^[a-z0-9-]+$/.test(id)) throw invalid(source, '"id" must be a lowercase id like mutant-04-no-stock-guard');
  if (expectedId !== undefined && id !== expectedId) throw invalid(source, `"id" is "${id}" but the file is named ${expectedId}.json`);
  const kind = kindOf(id);
  if (!kind) throw invalid(source, `"id" must start with ${KINDS.map((k) => `${k}-`).join(', ')}`);
  if (typeof description !== 'string' || !description.trim()) throw invalid(source, '"description" must be a non-empty string');
  if (!isBase(base)) throw invalid(source, `unknown "base" ${JSON.stringify(base)}`, `use one of ${VARIANT_BASES.join(', ')} (default ${VARIANT_BASES[0]})`);
  if (kind === 'mutant' && (typeof bug !== 'string' || !/^[^:]+:\d+$/.test(bug))) {
    const example = base === 'reference-fix' ? 'src/repository.ts:52' : 'repository.go:57';
    throw invalid(source, `"bug" must name the BUG comment in ${SUITE_DIRS[base].buggyName} as "<file>:<line>", e.g. "${example}"`);
  }
  if (kind !== 'alt' && !isCategory(category)) throw invalid(source, `unknown category ${JSON.stringify(category)}; use one of ${CATEGORIES.join(', ')}`);
  if (kind === 'alt' && category !== undefined) throw invalid(source, 'an alt-* (correct fix) has no "category"');
  if (!Array.isArray(edits) || edits.length === 0) throw invalid(source, '"edits" must be a non-empty array');
  const parsed = edits.map((edit: unknown, i): Edit => {
    const where = `${source} edit ${i + 1}`;
    if (!isRecord(edit)) throw invalid(where, 'must be an object');
    const file = safeFile(edit.file);
    if (!file) throw invalid(where, '"file" must be a relative path inside the target (no "..", no node_modules)');
    if (typeof edit.content === 'string' && edit.find === undefined && edit.replace === undefined) return { file, content: edit.content };
    if (typeof edit.find !== 'string' || edit.find.length === 0 || typeof edit.replace !== 'string' || edit.content !== undefined) {
      throw invalid(where, 'needs either "find" (non-empty) and "replace", or "content"');
    }
    return { file, find: edit.find, replace: edit.replace };
  });
  return {
    id,
    kind,
    description,
    base,
    ...(typeof bug === 'string' ? { bug } : {}),
    ...(isCategory(category) ? { category } : {}),
    edits: parsed,
  };
}

function occurrences(text: string, find: string): number {
  let count = 0;
  for (let at = text.indexOf(find); at !== -1; at = text.indexOf(find, at + find.length)) count++;
  return count;
}

/**
 * The new content of every file the variant edits, applying its edits in order on `baseDir`.
 * Each `find` must occur exactly once in its file as it is at that point, so a reference that
 * drifted fails here, loudly, instead of silently grading an unchanged copy.
 */
export function applyEdits(variant: Variant, baseDir: string = SUITE_DIRS[variant.base].base): Map<string, string> {
  const files = new Map<string, string>();
  variant.edits.forEach((edit, i) => {
    if ('content' in edit) {
      files.set(edit.file, edit.content);
      return;
    }
    const where = `${variant.id} edit ${i + 1} (${edit.file})`;
    let text = files.get(edit.file);
    if (text === undefined) {
      const path = join(baseDir, edit.file);
      if (!existsSync(path)) throw invalid(where, `${relative(REPO_ROOT, path)} does not exist`, 'fix "file", or use "content" to create it');
      text = readFileSync(path, 'utf8');
    }
    const count = occurrences(text, edit.find);
    if (count !== 1) {
      const first = edit.find.split('\n')[0]?.trim().slice(0, 80) ?? '';
      throw invalid(where, `"find" must occur exactly once, found ${count} times: "${first}${edit.find.includes('\n') ? ' …' : ''}"`, 'the reference changed: update the edit so it matches the reference exactly once');
    }
    files.set(edit.file, text.replace(edit.find, () => edit.replace));
  });
  return files;
}

/**
 * Every `// BUG:` comment of a buggy package as "<file>:<line>" (file relative to the package):
 * in its `src/*.ts` files and its root `*.go` files but `*_test.go`.
 */
export function bugComments(buggyDir: string = BUGGY_DIR): string[] {
  const sources = (dir: string, keep: (name: string) => boolean): string[] =>
    existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && keep(e.name)).map((e) => e.name).sort() : [];
  const files = [
    ...sources(join(buggyDir, 'src'), (name) => name.endsWith('.ts')).map((name) => `src/${name}`),
    ...sources(buggyDir, (name) => name.endsWith('.go') && !name.endsWith('_test.go')),
  ];
  const found: string[] = [];
  for (const file of files) {
    readFileSync(join(buggyDir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\/\/\s*BUG:/.test(line)) found.push(`${file}:${i + 1}`);
      });
  }
  return found;
}

function parseExpectation(json: unknown, source: string, variants: ReadonlyMap<string, Variant>): Expectation {
  if (!isRecord(json)) throw invalid(source, 'must be an object');
  const { target, minScore, maxScore, caughtIn, caughtBy, note } = json;
  if (typeof target !== 'string') throw invalid(source, '"target" must be a string');
  const where = `${source} (${target})`;
  const variant = variants.get(target);
  if (!variant && !(target in NAMED_TARGETS)) throw invalid(where, `unknown target; use ${Object.keys(NAMED_TARGETS).join(', ')} or the id of a file in validation/mutants`);
  const kinds = [minScore, maxScore, caughtIn].filter((v) => v !== undefined).length;
  if (kinds !== 1) throw invalid(where, 'needs exactly one of "minScore", "maxScore", "caughtIn"');
  for (const [name, value] of [['minScore', minScore], ['maxScore', maxScore]] as const) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) throw invalid(where, `"${name}" must be a number in 0..1`);
  }
  if (caughtIn !== undefined && !isCategory(caughtIn)) throw invalid(where, `unknown category ${JSON.stringify(caughtIn)}; use one of ${CATEGORIES.join(', ')}`);
  if (variant && variant.kind !== 'alt' && caughtIn !== variant.category) {
    throw invalid(where, `a ${variant.kind} must be expected "caughtIn" its own category ${variant.category ?? '?'}`);
  }
  if (variant?.kind === 'alt' && minScore !== 1) throw invalid(where, 'an alt-* (correct fix) must be expected to reach "minScore": 1');
  if (caughtBy !== undefined) {
    if (caughtIn === undefined || !Array.isArray(caughtBy)) throw invalid(where, '"caughtBy" is a list of check ids and needs "caughtIn"');
    for (const id of caughtBy) {
      const check = typeof id === 'string' ? CATALOG_BY_ID.get(id) : undefined;
      if (!check) throw invalid(where, `unknown check id ${JSON.stringify(id)} in "caughtBy"`);
      if (check.category !== caughtIn) throw invalid(where, `check ${check.id} is in ${check.category}, not ${String(caughtIn)}`);
    }
  }
  if (note !== undefined && typeof note !== 'string') throw invalid(where, '"note" must be a string');
  return {
    target,
    ...(typeof minScore === 'number' ? { minScore } : {}),
    ...(typeof maxScore === 'number' ? { maxScore } : {}),
    ...(isCategory(caughtIn) ? { caughtIn } : {}),
    ...(Array.isArray(caughtBy) ? { caughtBy: caughtBy as string[] } : {}),
    ...(typeof note === 'string' ? { note } : {}),
  };
}

/**
 * Loads and validates `<dir>/mutants/*.json` and `<dir>/expectations.json`: every edit applies
 * to its base exactly once, every mutant names a real `// BUG:` comment of its base's buggy
 * package, every target has exactly one expectation and every expectation a target. A base is
 * read only if a variant names it.
 */
export function loadSuite(dir: string = VALIDATION_DIR, dirs: SuiteDirs = SUITE_DIRS): Suite {
  const mutantsDir = join(dir, 'mutants');
  if (!existsSync(mutantsDir)) throw invalid(relative(REPO_ROOT, mutantsDir) || mutantsDir, 'no such directory');
  const bugsOf = new Map<VariantBase, Set<string>>();
  const variants = new Map<string, Variant>();
  for (const name of readdirSync(mutantsDir).filter((n) => n.endsWith('.json')).sort()) {
    const path = join(mutantsDir, name);
    const source = relative(REPO_ROOT, path);
    const variant = parseVariant(readJson(path), source, name.slice(0, -'.json'.length));
    const { base, buggy, buggyName } = dirs[variant.base];
    if (!existsSync(base)) throw invalid(source, `its base ${variant.base} is missing: ${relative(REPO_ROOT, base) || base} does not exist`, `create ${variant.base}, or set "base" to one of ${VARIANT_BASES.join(', ')}`);
    if (variant.bug !== undefined) {
      if (!existsSync(buggy)) throw invalid(source, `"bug" ${variant.bug} names a // BUG: comment of ${buggyName}, but ${relative(REPO_ROOT, buggy) || buggy} does not exist`);
      const bugs = bugsOf.get(variant.base) ?? new Set(bugComments(buggy));
      bugsOf.set(variant.base, bugs);
      if (!bugs.has(variant.bug)) throw invalid(source, `"bug" ${variant.bug} is not a // BUG: comment of ${buggyName} (they are at ${[...bugs].join(', ') || 'nowhere'})`);
    }
    applyEdits(variant, base);
    variants.set(variant.id, variant);
  }

  const expectationsPath = join(dir, 'expectations.json');
  const source = relative(REPO_ROOT, expectationsPath);
  const json = readJson(expectationsPath);
  if (!isRecord(json) || !Array.isArray(json.targets)) throw invalid(source, 'must be an object with a "targets" array');
  const expectations = json.targets.map((entry: unknown, i) => parseExpectation(entry, `${source} entry ${i + 1}`, variants));
  const seen = new Set<string>();
  for (const e of expectations) {
    if (seen.has(e.target)) throw invalid(source, `${e.target} has more than one expectation`);
    seen.add(e.target);
  }
  const missing = [...Object.keys(NAMED_TARGETS), ...variants.keys()].filter((id) => !seen.has(id));
  if (missing.length > 0) throw invalid(source, `no expectation for ${missing.join(', ')}`, 'every target needs one entry');
  return { variants, expectations };
}

/**
 * The expectations `--only` names, in file order: comma-separated target ids, each exact or a
 * prefix ending in `*` (`mutant-*,mistake-*`). A name that matches nothing is a usage error.
 */
export function selectExpectations(expectations: readonly Expectation[], only: string): Expectation[] {
  const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
  const matches = (pattern: string, target: string): boolean => (pattern.endsWith('*') ? target.startsWith(pattern.slice(0, -1)) : target === pattern);
  const unknown = wanted.filter((pattern) => !expectations.some((e) => matches(pattern, e.target)));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new GraderError('USAGE', `--only: unknown target '${unknown[0] ?? only}'`, `targets are: ${expectations.map((e) => e.target).join(', ')} (a trailing * matches a prefix)`);
  }
  return expectations.filter((e) => wanted.some((pattern) => matches(pattern, e.target)));
}
