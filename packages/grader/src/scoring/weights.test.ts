import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraderError } from '../errors/grader-error.ts';
import { CATEGORIES, CATEGORY_WEIGHTS, type Category, type CheckDefinition } from './types.ts';
import { defaultWeights, formatWeight, generateWeights, loadWeights, parseWeights } from './weights.ts';
import { tempDir } from '../../test/helpers/temp-dirs.ts';

const check = (id: string, category: Category): CheckDefinition => ({ id, category, description: `catches ${id}`, scenario: 's' });

/** One check per category, so the default weights equal the seed weights. */
const catalog: CheckDefinition[] = CATEGORIES.map((c) => check(`${c}.only`, c));

/** The valid file for `catalog`, as an object to mutate in tests. */
function validFile(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, { [`${c}.only`]: CATEGORY_WEIGHTS[c] }]));
}

function errorOf(text: string, source = 'weights.json'): GraderError {
  try {
    parseWeights(text, source, catalog);
  } catch (error) {
    if (error instanceof GraderError) return error;
    throw error;
  }
  throw new Error('expected parseWeights to throw');
}

const invalid = (file: unknown): GraderError => errorOf(JSON.stringify(file));

describe('loadWeights', () => {
  it('loads a valid file from disk into a check id → weight map without warnings', () => {
    const path = join(tempDir('grader-weights-'), 'weights.json');
    writeFileSync(path, JSON.stringify(validFile()));
    const weights = loadWeights(path, catalog);
    expect(weights.size).toBe(7);
    expect(weights.get('race_conditions.only')).toBe(0.45);
    expect(weights.warnings).toEqual([]);
  });

  it('a missing file is WEIGHTS_NOT_FOUND, naming the path', () => {
    const error = (() => {
      try {
        loadWeights('/nonexistent/weights.json', catalog);
      } catch (e) {
        return e as GraderError;
      }
      throw new Error('expected a throw');
    })();
    expect(error.code).toBe('WEIGHTS_NOT_FOUND');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('/nonexistent/weights.json: no such file');
  });
});

describe('parseWeights validation', () => {
  it('rejects text that is not JSON', () => {
    const error = errorOf('{ "race_conditions": ', 'conf/weights.json');
    expect(error.code).toBe('WEIGHTS_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^conf\/weights\.json: not valid JSON/);
    expect(error.hint).toContain('category');
  });

  it('rejects a top level that is not an object', () => {
    expect(invalid([1, 2]).message).toBe('weights.json: expected an object keyed by category, got an array');
    expect(invalid(null).message).toContain('got null');
  });

  it('rejects an unknown category, listing the valid ones', () => {
    const error = invalid({ ...validFile(), races: {} });
    expect(error.message).toBe('weights.json: unknown category "races"');
    expect(error.hint).toContain('race_conditions, idempotency');
  });

  it('does not take inherited property names for categories', () => {
    expect(invalid({ toString: {} }).message).toBe('weights.json: unknown category "toString"');
  });

  it('rejects a category that is not an object', () => {
    expect(invalid({ ...validFile(), isolation: 0.1 }).message).toContain('category "isolation" must be an object');
  });

  it('rejects a check id unknown to the catalog, suggesting the known ones', () => {
    const file = validFile();
    file.locking = { 'locking.onyl': 0.05 };
    const error = invalid(file);
    expect(error.message).toBe('weights.json: unknown check id "locking.onyl" under "locking"');
    expect(error.hint).toContain('locking.only');
  });

  it('rejects a check listed under the wrong category', () => {
    const file = validFile();
    file.locking = { 'isolation.only': 0.05 };
    const error = invalid(file);
    expect(error.message).toBe('weights.json: check "isolation.only" is listed under "locking" but belongs to "isolation"');
    expect(error.hint).toBe('move it under "isolation"');
  });

  it('rejects a catalog check that has no weight, counting the others', () => {
    const file = validFile();
    delete file.locking;
    delete file.isolation;
    const error = invalid(file);
    expect(error.message).toBe('weights.json: check "isolation.only" has no weight (and 1 more)');
    expect(error.hint).toContain('add it under "isolation"');
  });

  it.each([
    ['negative', '-0.1', '-0.1'],
    ['a string', '"0.1"', '"0.1"'],
    ['null', 'null', 'null'],
    ['infinite (1e999 parses to Infinity)', '1e999', 'null'],
  ])('rejects a weight that is %s', (_name, raw, shown) => {
    const text = JSON.stringify(validFile()).replace('"locking.only":0.05', `"locking.only":${raw}`);
    const error = errorOf(text);
    expect(error.message).toBe(`weights.json: weight of "locking.only" must be a finite number >= 0, got ${shown}`);
  });

  it('accepts a weight of 0', () => {
    const file = validFile();
    file.locking = { 'locking.only': 0 };
    file.race_conditions = { 'race_conditions.only': 0.5 };
    expect(parseWeights(JSON.stringify(file), 'w.json', catalog).get('locking.only')).toBe(0);
  });

  it('rejects a total other than 1, saying the actual sum', () => {
    const file = validFile();
    file.race_conditions = { 'race_conditions.only': 0.4 };
    const error = invalid(file);
    expect(error.message).toBe('weights.json: weights sum to 0.95, not 1');
    expect(error.hint).toContain('race_conditions 0.4');
  });

  it('tolerates float noise within 1e-6 of 1', () => {
    const file = validFile();
    file.race_conditions = { 'race_conditions.only': 0.4500004 };
    expect(() => parseWeights(JSON.stringify(file), 'w.json', catalog)).not.toThrow();
  });

  it('warns, without failing, when a category subtotal differs from its seed weight', () => {
    const file = validFile();
    file.race_conditions = { 'race_conditions.only': 0.4 };
    file.isolation = { 'isolation.only': 0.15 };
    const weights = parseWeights(JSON.stringify(file), 'w.json', catalog);
    expect(weights.warnings).toEqual([
      'w.json: category "race_conditions" weighs 0.4, the seed weight is 0.45',
      'w.json: category "isolation" weighs 0.15, the seed weight is 0.1',
    ]);
  });

  it('every error prints as one line', () => {
    const line = errorOf('{\n"x": \n').toLine();
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^error\[WEIGHTS_INVALID\]: weights\.json: /);
  });
});

describe('generateWeights', () => {
  const race = Array.from({ length: 7 }, (_, i) => check(`race.c${i}`, 'race_conditions'));
  const big = [...race, ...catalog.filter((c) => c.category !== 'race_conditions')];

  it('splits a seed weight evenly, putting the rounding remainder on the first check', () => {
    const file = defaultWeights(big);
    // 0.45 / 7 = 0.0642857… → 0.064286 each; the first takes 0.45 − 6 × 0.064286.
    expect(file.race_conditions).toEqual({
      'race.c0': 0.064284,
      'race.c1': 0.064286,
      'race.c2': 0.064286,
      'race.c3': 0.064286,
      'race.c4': 0.064286,
      'race.c5': 0.064286,
      'race.c6': 0.064286,
    });
  });

  it('makes every subtotal and the total exact in micro-units, and loads without warnings', () => {
    const text = generateWeights(big);
    expect(text.endsWith('}\n')).toBe(true);
    const file = JSON.parse(text) as Record<Category, Record<string, number>>;
    expect(Object.keys(file)).toEqual(CATEGORIES);
    let totalMicros = 0;
    for (const category of CATEGORIES) {
      const micros = Object.values(file[category]).reduce((sum, w) => sum + Math.round(w * 1e6), 0);
      expect(micros).toBe(Math.round(CATEGORY_WEIGHTS[category] * 1e6));
      totalMicros += micros;
    }
    expect(totalMicros).toBe(1_000_000);
    const weights = parseWeights(text, 'weights.json', big);
    expect(weights.warnings).toEqual([]);
    expect(Math.abs([...weights.values()].reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
  });

  it('refuses a catalog with an empty category (its weight would be lost)', () => {
    expect(() => defaultWeights(race)).toThrow(/no checks in category idempotency/);
  });
});

describe('formatWeight', () => {
  it('drops float noise', () => {
    expect(formatWeight(0.1 + 0.2)).toBe('0.3');
    expect(formatWeight(1.0000021)).toBe('1.000002');
  });
});
