import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths.ts';
import { CATEGORIES } from '../scoring/types.ts';
import { loadWeights } from '../scoring/weights.ts';
import { selectChecks } from '../cli/commands/run.ts';
import { CATALOG } from './catalog.ts';

function checkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? checkFiles(join(dir, e.name)) : e.name.endsWith('.check.ts') ? [join(dir, e.name)] : [],
  );
}

describe('catalog', () => {
  it('every scenario file has a unit test file that feeds each of its checks observations', () => {
    for (const file of checkFiles(join(REPO_ROOT, 'packages/grader/src/checks'))) {
      const source = readFileSync(file, 'utf8');
      const tests = readFileSync(file.replace(/\.check\.ts$/, '.check.test.ts'), 'utf8');
      const ids = [...source.matchAll(/^ {4}'([a-z_]+\.[a-z_]+)':/gm)].map((m) => m[1] ?? '');
      expect(ids.length, file).toBeGreaterThan(0);
      for (const id of ids) expect(tests, `${file}: ${id}`).toContain(`'${id}'`);
    }
  });

  it('has at least 30 checks with unique ids in every category', () => {
    expect(CATALOG.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CATALOG.map((c) => c.id)).size).toBe(CATALOG.length);
    for (const category of CATEGORIES) expect(CATALOG.some((c) => c.category === category)).toBe(true);
  });

  it('the repository weights.json matches the catalog and sums to 1', () => {
    const weights = loadWeights(join(REPO_ROOT, 'weights.json'), CATALOG);
    expect([...weights.keys()].sort()).toEqual(CATALOG.map((c) => c.id).sort());
    expect(weights.warnings).toEqual([]);
  });

  it('the check table of docs/checks.md lists every check with its weight', () => {
    const readme = readFileSync(join(REPO_ROOT, 'docs/checks.md'), 'utf8');
    const weights = loadWeights(join(REPO_ROOT, 'weights.json'), CATALOG);
    for (const { id, category } of CATALOG) expect(readme, id).toContain(`| \`${id}\` | ${category} | ${weights.get(id)} |`);
  });

  it('every catalog check is defined by exactly one scenario file', () => {
    const sources = checkFiles(join(REPO_ROOT, 'packages/grader/src/checks')).map((f) => readFileSync(f, 'utf8'));
    for (const { id } of CATALOG) {
      expect(sources.filter((s) => s.includes(`'${id}':`)), id).toHaveLength(1);
    }
  });
});

describe('selectChecks', () => {
  it('filters by id and by category, and rejects unknown names', () => {
    expect(selectChecks('race.hot_sku_all_applied', undefined)).toEqual(['race.hot_sku_all_applied']);
    expect(selectChecks(undefined, 'locking')).toEqual(['locking.partitions_in_parallel', 'locking.replicas_in_parallel', 'locking.crossed_orders_applied']);
    expect(() => selectChecks('race.nope', undefined)).toThrow(/unknown check id 'race.nope'/);
    expect(() => selectChecks(undefined, 'speed')).toThrow(/unknown category 'speed'/);
    expect(selectChecks(undefined, undefined)).toHaveLength(CATALOG.length);
  });
});
