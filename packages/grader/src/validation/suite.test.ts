import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraderError } from '../errors/grader-error.ts';
import { materialise } from './materialise.ts';
import { applyEdits, bugComments, loadSuite, parseVariant, REFERENCE_DIR, selectExpectations, type Variant } from './suite.ts';

// Made in beforeAll, not at import: a suite that fails to load aborts collection, and then no afterAll runs.
let temp = '';
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'validation-suite-test-'));
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('the real validation suite', () => {
  const suite = loadSuite();
  const variants = [...suite.variants.values()];

  it('has one mutant per // BUG: comment of buggy-service, each naming it', () => {
    const bugs = bugComments();
    expect(bugs).toHaveLength(17);
    const named = variants.filter((v) => v.kind === 'mutant').map((v) => v.bug);
    for (const bug of bugs) expect(named, `no mutant puts back the bug at ${bug}`).toContain(bug);
    expect(named).toHaveLength(bugs.length);
  });

  it('has the four common mistakes, at least two alternative fixes, and one expectation per target', () => {
    expect(variants.filter((v) => v.kind === 'mistake').length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.kind === 'alt').length).toBeGreaterThanOrEqual(2);
    expect(suite.expectations.map((e) => e.target).sort()).toEqual(['buggy-service', 'reference-fix', ...suite.variants.keys()].sort());
    expect(suite.expectations.find((e) => e.target === 'reference-fix')?.minScore).toBe(1);
    expect(suite.expectations.find((e) => e.target === 'buggy-service')?.maxScore).toBeLessThanOrEqual(0.25);
  });

  // Every variant is written out from the real reference-fix and must still be valid TypeScript.
  it.each(variants.map((v) => [v.id, v] as const))('%s applies to reference-fix and stays valid TypeScript', (_id, variant: Variant) => {
    const target = materialise(variant, temp);
    expect(target.name).toBe(variant.id);
    expect(target.source).toBe('target.json');
    expect(lstatSync(join(target.dir, 'node_modules')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(target.dir, 'node_modules', 'kafkajs', 'package.json'))).toBe(true);
    const tsconfig = JSON.parse(readFileSync(join(target.dir, 'tsconfig.json'), 'utf8')) as { extends: string };
    expect(realpathSync(tsconfig.extends)).toBe(realpathSync(join(REFERENCE_DIR, '../../tsconfig.base.json')));
    for (const [file, content] of applyEdits(variant)) {
      const written = readFileSync(join(target.dir, file), 'utf8');
      expect(written).toBe(content);
      expect(written).not.toBe(existsSync(join(REFERENCE_DIR, file)) ? readFileSync(join(REFERENCE_DIR, file), 'utf8') : undefined);
      const { diagnostics } = ts.transpileModule(written, { fileName: file, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2023 } });
      expect(diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')) ?? []).toEqual([]);
    }
  });

  it('every materialised variant type-checks with the reference settings (strict)', () => {
    const base = ts.readConfigFile(join(REFERENCE_DIR, '../../tsconfig.base.json'), (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, REFERENCE_DIR);
    const roots = variants.flatMap((v) =>
      readdirSync(join(temp, v.id, 'src'))
        .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
        .map((name) => join(temp, v.id, 'src', name)),
    );
    const program = ts.createProgram(roots, { ...options, noEmit: true, typeRoots: [join(REFERENCE_DIR, 'node_modules', '@types')] });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.slice(temp.length + 1) ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    expect(errors).toEqual([]);
  }, 60_000);
});

/** A tiny base target and a suite directory for the error paths. */
function fixture(variants: Record<string, unknown>, expectations?: unknown): { dir: string; base: string; buggy: string } {
  const root = mkdtempSync(join(temp, 'fixture-'));
  const base = join(root, 'base');
  const buggy = join(root, 'buggy');
  mkdirSync(join(base, 'src'), { recursive: true });
  mkdirSync(join(buggy, 'src'), { recursive: true });
  writeFileSync(join(base, 'target.json'), '{ "start": ["node", "src/main.js"] }');
  writeFileSync(join(base, 'src', 'a.ts'), 'export const a = 1;\nexport const twice = 2;\nexport const twice2 = 2;\n');
  writeFileSync(join(buggy, 'src', 'a.ts'), 'export const a = 1;\n// BUG: something\n');
  const dir = join(root, 'suite');
  mkdirSync(join(dir, 'mutants'), { recursive: true });
  for (const [id, json] of Object.entries(variants)) writeFileSync(join(dir, 'mutants', `${id}.json`), JSON.stringify(json));
  const targets = expectations ?? [
    { target: 'reference-fix', minScore: 1 },
    { target: 'buggy-service', maxScore: 0.25 },
    ...Object.keys(variants).map((id) => (id.startsWith('alt-') ? { target: id, minScore: 1 } : { target: id, caughtIn: 'race_conditions' })),
  ];
  writeFileSync(join(dir, 'expectations.json'), JSON.stringify({ targets }));
  return { dir, base, buggy };
}

const mutant = (edit: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'mutant-x',
  description: 'd',
  bug: 'src/a.ts:2',
  category: 'race_conditions',
  edits: [{ file: 'src/a.ts', ...edit }],
  ...extra,
});

function loadError(variants: Record<string, unknown>, expectations?: unknown): GraderError {
  const { dir, base, buggy } = fixture(variants, expectations);
  try {
    loadSuite(dir, base, buggy);
  } catch (error) {
    expect(error).toBeInstanceOf(GraderError);
    const graderError = error as GraderError;
    expect(graderError.code).toBe('VALIDATION_INVALID');
    expect(graderError.exitCode).toBe(2);
    expect(graderError.toLine()).not.toContain('\n');
    return graderError;
  }
  throw new Error('loadSuite accepted an invalid suite');
}

describe('loadSuite refuses, with one clear line', () => {
  it('accepts a valid fixture', () => {
    const { dir, base, buggy } = fixture({ 'mutant-x': mutant({ find: 'a = 1', replace: 'a = 2' }) });
    expect([...loadSuite(dir, base, buggy).variants.keys()]).toEqual(['mutant-x']);
  });

  it('an unknown category', () => {
    expect(loadError({ 'mutant-x': mutant({ find: 'a = 1', replace: 'a = 2' }, { category: 'speed' }) }).message).toMatch(/unknown category "speed"/);
  });

  it('an edit without find', () => {
    expect(loadError({ 'mutant-x': mutant({ replace: 'a = 2' }) }).message).toMatch(/needs either "find" \(non-empty\) and "replace", or "content"/);
  });

  it('a find that matches nothing', () => {
    const error = loadError({ 'mutant-x': mutant({ find: 'b = 1', replace: 'b = 2' }) });
    expect(error.message).toMatch(/mutant-x edit 1 \(src\/a\.ts\): "find" must occur exactly once, found 0 times: "b = 1"/);
    expect(error.hint).toMatch(/reference changed/);
  });

  it('a find that matches twice', () => {
    expect(loadError({ 'mutant-x': mutant({ find: '= 2;', replace: '= 3;' }) }).message).toMatch(/found 2 times/);
  });

  it('a bug that is not a BUG comment, a file named after another id, an edit outside the target', () => {
    expect(loadError({ 'mutant-x': mutant({ find: 'a = 1', replace: 'a = 2' }, { bug: 'src/a.ts:1' }) }).message).toMatch(/src\/a\.ts:1 is not a \/\/ BUG: comment .*src\/a\.ts:2/);
    expect(loadError({ 'mutant-y': mutant({ find: 'a = 1', replace: 'a = 2' }) }).message).toMatch(/file is named mutant-y\.json/);
    expect(loadError({ 'mutant-x': mutant({ file: '../etc/passwd', find: 'a', replace: 'b' }) }).message).toMatch(/relative path inside the target/);
  });

  it('expectations that miss a target, name an unknown one, or disagree with the category', () => {
    const variants = { 'mutant-x': mutant({ find: 'a = 1', replace: 'a = 2' }) };
    expect(loadError(variants, [{ target: 'reference-fix', minScore: 1 }, { target: 'buggy-service', maxScore: 0.25 }]).message).toMatch(/no expectation for mutant-x/);
    expect(loadError(variants, [{ target: 'mutant-zz', minScore: 1 }]).message).toMatch(/\(mutant-zz\): unknown target/);
    expect(loadError(variants, [{ target: 'mutant-x', caughtIn: 'locking' }]).message).toMatch(/its own category race_conditions/);
    expect(loadError(variants, [{ target: 'mutant-x', caughtIn: 'race_conditions', caughtBy: ['locking.partitions_in_parallel'] }]).message).toMatch(/is in locking, not race_conditions/);
  });
});

describe('parseVariant and applyEdits', () => {
  it('applies edits in order, each on the result of the previous, and whole-file contents', () => {
    const variant = parseVariant(
      {
        id: 'alt-y',
        description: 'd',
        edits: [
          { file: 'src/a.ts', find: 'a = 1', replace: 'a = 10' },
          { file: 'src/a.ts', find: 'a = 10', replace: 'a = 100' },
          { file: 'src/new.ts', content: 'export {};\n' },
        ],
      },
      'test',
    );
    const { base } = fixture({});
    const files = applyEdits(variant, base);
    expect(files.get('src/a.ts')).toMatch(/^export const a = 100;/);
    expect(files.get('src/new.ts')).toBe('export {};\n');
  });

  it('keeps $ patterns in replacements literal', () => {
    const variant = parseVariant({ id: 'alt-z', description: 'd', edits: [{ file: 'src/a.ts', find: 'a = 1', replace: "a = '$&$1'" }] }, 'test');
    const { base } = fixture({});
    expect(applyEdits(variant, base).get('src/a.ts')).toMatch(/a = '\$&\$1'/);
  });
});

describe('selectExpectations', () => {
  const all = [{ target: 'reference-fix', minScore: 1 }, { target: 'mutant-01-x', caughtIn: 'locking' as const }, { target: 'mutant-02-y', caughtIn: 'isolation' as const }, { target: 'mistake-z', caughtIn: 'idempotency' as const }];

  it('keeps file order and matches exact ids and trailing-* prefixes', () => {
    expect(selectExpectations(all, 'mistake-z, reference-fix').map((e) => e.target)).toEqual(['reference-fix', 'mistake-z']);
    expect(selectExpectations(all, 'mutant-*').map((e) => e.target)).toEqual(['mutant-01-x', 'mutant-02-y']);
  });

  it('refuses a name that matches nothing, naming it', () => {
    expect(() => selectExpectations(all, 'mutant-*,alt-*')).toThrow(/unknown target 'alt-\*'/);
    expect(() => selectExpectations(all, ' , ')).toThrow(GraderError);
  });
});
