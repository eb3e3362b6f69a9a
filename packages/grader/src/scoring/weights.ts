import { readFileSync } from 'node:fs';
import { GraderError } from '../errors/grader-error.ts';
import { CATEGORIES, CATEGORY_WEIGHTS, type Category, type CheckDefinition, type Weights } from './types.ts';

/**
 * The shape of `weights.json`: category → (check id → weight). Every catalog check appears once,
 * under its own category; weights are finite numbers >= 0 and all of them sum to 1.
 */
export type WeightsFile = { [C in Category]?: Record<string, number> };

/**
 * Validated weights plus the non-fatal findings (a category whose subtotal differs from its seed
 * weight in CATEGORY_WEIGHTS). It is a `Weights` map, so it can be passed straight to scoring.
 */
export type LoadedWeights = Weights & { readonly warnings: readonly string[] };

/** How far the total may stray from 1 (and a subtotal from its seed weight before a warning). */
export const WEIGHT_TOLERANCE = 1e-6;

const FORMAT_HINT = 'weights.json is an object of category → { check id → weight }';

/** Reads and validates a weights file; throws GraderError (exit 2) with one clear line on any problem. */
export function loadWeights(path: string, catalog: readonly CheckDefinition[]): LoadedWeights {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new GraderError('WEIGHTS_NOT_FOUND', `cannot read weights file ${path}: ${reason}`, `restore ${path} from the repository (${FORMAT_HINT})`, undefined, { cause: error });
  }
  return parseWeights(text, path, catalog);
}

/** Validates weights.json text; `source` names the file in messages. */
export function parseWeights(text: string, source: string, catalog: readonly CheckDefinition[]): LoadedWeights {
  const fail = (message: string, hint: string): never => {
    throw new GraderError('WEIGHTS_INVALID', `${source}: ${message}`, hint);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`, `fix the syntax; ${FORMAT_HINT}`);
  }
  if (!isPlainObject(parsed)) return fail(`expected an object keyed by category, got ${describe(parsed)}`, FORMAT_HINT);

  const byId = new Map(catalog.map((c) => [c.id, c]));
  const weights = new Map<string, number>();
  const subtotals = new Map<Category, number>();
  for (const [categoryKey, checks] of Object.entries(parsed)) {
    if (!isCategory(categoryKey)) {
      return fail(`unknown category "${categoryKey}"`, `categories are: ${CATEGORIES.join(', ')}`);
    }
    const category = categoryKey;
    if (!isPlainObject(checks)) {
      return fail(`category "${category}" must be an object of check id → weight, got ${describe(checks)}`, FORMAT_HINT);
    }
    for (const [id, weight] of Object.entries(checks)) {
      const known = byId.get(id);
      if (!known) {
        const ids = catalog.filter((c) => c.category === category).map((c) => c.id);
        return fail(`unknown check id "${id}" under "${category}"`, `remove it or fix its spelling; ${category} checks are: ${ids.join(', ') || '(none)'}`);
      }
      if (known.category !== category) {
        return fail(`check "${id}" is listed under "${category}" but belongs to "${known.category}"`, `move it under "${known.category}"`);
      }
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
        return fail(`weight of "${id}" must be a finite number >= 0, got ${JSON.stringify(weight)}`, 'use a plain number such as 0.05 (0 leaves the check out of the score)');
      }
      weights.set(id, weight);
      subtotals.set(category, (subtotals.get(category) ?? 0) + weight);
    }
  }

  const missing = catalog.filter((c) => !weights.has(c.id));
  const [first] = missing;
  if (first) {
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    return fail(`check "${first.id}" has no weight${more}`, `add it under "${first.category}"; use 0 to leave it out of the score`);
  }

  const total = [...weights.values()].reduce((sum, w) => sum + w, 0);
  if (Math.abs(total - 1) > WEIGHT_TOLERANCE) {
    const parts = CATEGORIES.map((c) => `${c} ${formatWeight(subtotals.get(c) ?? 0)}`).join(', ');
    return fail(`weights sum to ${formatWeight(total)}, not 1`, `adjust them to total 1 (±${WEIGHT_TOLERANCE}); subtotals: ${parts}`);
  }

  const warnings: string[] = [];
  for (const category of CATEGORIES) {
    const subtotal = subtotals.get(category) ?? 0;
    if (Math.abs(subtotal - CATEGORY_WEIGHTS[category]) > WEIGHT_TOLERANCE) {
      warnings.push(`${source}: category "${category}" weighs ${formatWeight(subtotal)}, the seed weight is ${CATEGORY_WEIGHTS[category]}`);
    }
  }
  return Object.assign(weights, { warnings });
}

/**
 * The default weights: each category's seed weight split evenly among its catalog checks,
 * rounded to 6 decimals; the rounding remainder goes to the category's first check, so every
 * subtotal equals CATEGORY_WEIGHTS exactly (in micro-units) and the total is exactly 1.
 * Throws (a catalog bug, not a user error) when a category has no checks.
 */
export function defaultWeights(catalog: readonly CheckDefinition[]): WeightsFile {
  const file: WeightsFile = {};
  for (const category of CATEGORIES) {
    const ids = catalog.filter((c) => c.category === category).map((c) => c.id);
    if (ids.length === 0) throw new Error(`catalog has no checks in category ${category}; its weight would be lost`);
    const micros = Math.round(CATEGORY_WEIGHTS[category] * 1e6);
    const each = Math.round(micros / ids.length);
    const firstShare = micros - each * (ids.length - 1);
    file[category] = Object.fromEntries(ids.map((id, i) => [id, (i === 0 ? firstShare : each) / 1e6]));
  }
  return file;
}

/** The default content of weights.json (see defaultWeights), pretty-printed with a final newline. */
export function generateWeights(catalog: readonly CheckDefinition[]): string {
  return `${JSON.stringify(defaultWeights(catalog), null, 2)}\n`;
}

/** A weight for messages: at most 6 decimals, without float noise (0.30000000000000004 → 0.3). */
export function formatWeight(value: number): string {
  return String(Number(value.toFixed(6)));
}

function isCategory(key: string): key is Category {
  return Object.hasOwn(CATEGORY_WEIGHTS, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
