import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraderError } from '../errors/grader-error.ts';
import { NAMED_TARGETS } from '../target/target-spec.ts';
import { materialise } from './materialise.ts';
import { applyEdits, bugComments, loadSuite, parseVariant, REFERENCE_DIR, selectExpectations, type SuiteDirs, type Variant } from './suite.ts';

const hasGofmt = spawnSync('gofmt', ['-h']).error === undefined;

// Made in beforeAll, not at import: a suite that fails to load aborts collection, and then no afterAll runs.
let temp = '';
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'validation-suite-test-'));
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('the real validation suite', () => {
  const suite = loadSuite();
  const all = [...suite.variants.values()];
  // The TypeScript variants; those based on reference-fix-go are checked as Go below.
  const variants = all.filter((v) => v.base === 'reference-fix');
  const goVariants = all.filter((v) => v.base === 'reference-fix-go');

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
    expect(suite.expectations.map((e) => e.target).sort()).toEqual([...Object.keys(NAMED_TARGETS), ...suite.variants.keys()].sort());
    for (const reference of ['reference-fix', 'reference-fix-go']) expect(suite.expectations.find((e) => e.target === reference)?.minScore).toBe(1);
    for (const buggy of ['buggy-service', 'buggy-service-go']) expect(suite.expectations.find((e) => e.target === buggy)?.maxScore).toBeLessThanOrEqual(0.25);
  });

  // Every Go variant is written out from the real reference-fix-go (none yet while it is being written).
  it.skipIf(!hasGofmt)('every variant based on reference-fix-go applies to it and stays valid Go (gofmt parses it)', () => {
    for (const variant of goVariants) {
      const target = materialise(variant, temp);
      expect(target.readOnly).toEqual([]);
      for (const [file, content] of applyEdits(variant)) {
        expect(readFileSync(join(target.dir, file), 'utf8')).toBe(content);
        if (file.endsWith('.go')) expect(() => execFileSync('gofmt', ['-e', '-l', join(target.dir, file)], { stdio: 'pipe' }), `${variant.id}: ${file}`).not.toThrow();
      }
    }
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

/**
 * A tiny base target, its buggy package, a Go pair (a base with a built binary, a buggy package
 * with a BUG comment in a test file too) and a suite directory for the error paths.
 */
function fixture(variants: Record<string, unknown>, expectations?: unknown): { dir: string; base: string; goBase: string; dirs: SuiteDirs } {
  const root = mkdtempSync(join(temp, 'fixture-'));
  const base = join(root, 'base');
  const buggy = join(root, 'buggy');
  const goBase = join(root, 'base-go');
  const goBuggy = join(root, 'buggy-go');
  mkdirSync(join(base, 'src'), { recursive: true });
  mkdirSync(join(buggy, 'src'), { recursive: true });
  mkdirSync(goBase);
  mkdirSync(goBuggy);
  writeFileSync(join(base, 'target.json'), '{ "start": ["node", "src/main.js"] }');
  writeFileSync(join(base, 'src', 'a.ts'), 'export const a = 1;\nexport const twice = 2;\nexport const twice2 = 2;\n');
  writeFileSync(join(buggy, 'src', 'a.ts'), 'export const a = 1;\n// BUG: something\n');
  writeFileSync(join(goBase, 'target.json'), '{ "build": ["go", "build", "-race", "-o", "inventory-service", "."], "start": ["./inventory-service"] }');
  writeFileSync(join(goBase, 'go.mod'), 'module inventory-service\n\ngo 1.26.0\n');
  writeFileSync(join(goBase, 'main.go'), 'package main\n\nvar stock = 1\n\nfunc main() { stock++ }\n');
  writeFileSync(join(goBase, 'inventory-service'), '\x7fELF a built binary');
  writeFileSync(join(goBuggy, 'main.go'), 'package main\n\n// BUG: something\nvar stock = 1\n');
  writeFileSync(join(goBuggy, 'main_test.go'), 'package main\n\n// BUG: only in a test\n');
  const dir = join(root, 'suite');
  mkdirSync(join(dir, 'mutants'), { recursive: true });
  for (const [id, json] of Object.entries(variants)) writeFileSync(join(dir, 'mutants', `${id}.json`), JSON.stringify(json));
  const targets = expectations ?? [
    ...Object.keys(NAMED_TARGETS).map((target) => (target.startsWith('reference-') ? { target, minScore: 1 } : { target, maxScore: 0.25 })),
    ...Object.keys(variants).map((id) => (id.startsWith('alt-') ? { target: id, minScore: 1 } : { target: id, caughtIn: 'race_conditions' })),
  ];
  writeFileSync(join(dir, 'expectations.json'), JSON.stringify({ targets }));
  const dirs: SuiteDirs = {
    'reference-fix': { base, buggy, buggyName: 'buggy-service' },
    'reference-fix-go': { base: goBase, buggy: goBuggy, buggyName: 'buggy-service-go' },
  };
  return { dir, base, goBase, dirs };
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
  const { dir, dirs } = fixture(variants, expectations);
  try {
    loadSuite(dir, dirs);
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
    const { dir, dirs } = fixture({ 'mutant-x': mutant({ find: 'a = 1', replace: 'a = 2' }) });
    expect([...loadSuite(dir, dirs).variants.keys()]).toEqual(['mutant-x']);
    expect(loadSuite(dir, dirs).variants.get('mutant-x')?.base).toBe('reference-fix');
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
    expect(loadError(variants, [{ target: 'reference-fix', minScore: 1 }, { target: 'buggy-service', maxScore: 0.25 }]).message).toMatch(/no expectation for buggy-service-go, reference-fix-go, mutant-x$/);
    expect(loadError(variants, [{ target: 'mutant-zz', minScore: 1 }]).message).toMatch(/\(mutant-zz\): unknown target/);
    expect(loadError(variants, [{ target: 'mutant-x', caughtIn: 'locking' }]).message).toMatch(/its own category race_conditions/);
    expect(loadError(variants, [{ target: 'mutant-x', caughtIn: 'race_conditions', caughtBy: ['locking.partitions_in_parallel'] }]).message).toMatch(/is in locking, not race_conditions/);
  });
});

describe('a variant based on reference-fix-go', () => {
  const goMutant = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'mutant-go-x',
    description: 'd',
    base: 'reference-fix-go',
    bug: 'main.go:3',
    category: 'race_conditions',
    edits: [{ file: 'main.go', find: 'func main() { stock++ }', replace: 'func main() { go func() { stock++ }(); stock++ }' }],
    ...extra,
  });

  it('applies its edits to the Go base and names a BUG comment of the Go buggy package', () => {
    const { dir, dirs } = fixture({ 'mutant-go-x': goMutant(), 'mistake-go-y': { id: 'mistake-go-y', description: 'd', base: 'reference-fix-go', category: 'race_conditions', edits: [{ file: 'main.go', find: 'var stock = 1', replace: 'var stock = 2' }] } });
    const suite = loadSuite(dir, dirs);
    expect(suite.variants.get('mutant-go-x')).toMatchObject({ base: 'reference-fix-go', bug: 'main.go:3' });
    expect(applyEdits(suite.variants.get('mistake-go-y') as Variant, dirs['reference-fix-go'].base).get('main.go')).toMatch(/var stock = 2/);
  });

  it('is materialised from the Go base without its built binary, node_modules link or read-only paths', () => {
    const { dir, dirs, goBase } = fixture({ 'mutant-go-x': goMutant() });
    const variant = loadSuite(dir, dirs).variants.get('mutant-go-x') as Variant;
    const target = materialise(variant, mkdtempSync(join(temp, 'materialised-')), goBase);
    expect(readdirSync(target.dir).sort()).toEqual(['go.mod', 'main.go', 'target.json']);
    expect(readFileSync(join(target.dir, 'main.go'), 'utf8')).toMatch(/go func\(\) \{ stock\+\+ \}\(\)/);
    expect(target).toMatchObject({ name: 'mutant-go-x', source: 'target.json', build: { argv: ['go', 'build', '-race', '-o', 'inventory-service', '.'] }, readOnly: [] });
  });

  it('refuses a bug of the TypeScript package, of a _test.go file, or a missing Go base', () => {
    const notGo = loadError({ 'mutant-go-x': goMutant({ bug: 'src/a.ts:2' }) });
    expect(notGo.message).toMatch(/"bug" src\/a\.ts:2 is not a \/\/ BUG: comment of buggy-service-go \(they are at main\.go:3\)/);
    expect(loadError({ 'mutant-go-x': goMutant({ bug: 'main_test.go:3' }) }).message).toMatch(/main_test\.go:3 is not a \/\/ BUG: comment/);
    const { dir, dirs } = fixture({ 'mutant-go-x': goMutant() });
    rmSync(dirs['reference-fix-go'].base, { recursive: true });
    expect(() => loadSuite(dir, dirs)).toThrow(/its base reference-fix-go is missing: .* does not exist/);
  });

  it('an unknown base is VALIDATION_INVALID, with a hint listing the allowed ones', () => {
    const error = loadError({ 'mutant-go-x': goMutant({ base: 'reference-fix-rust' }) });
    expect(error.message).toMatch(/mutant-go-x\.json: unknown "base" "reference-fix-rust"$/);
    expect(error.hint).toBe('use one of reference-fix, reference-fix-go (default reference-fix)');
  });
});

describe('bugComments', () => {
  it('finds // BUG: comments in src/*.ts and in root *.go files but *_test.go', () => {
    const pkg = mkdtempSync(join(temp, 'bugs-'));
    mkdirSync(join(pkg, 'src'));
    mkdirSync(join(pkg, 'sub'));
    writeFileSync(join(pkg, 'src', 'a.ts'), 'x;\n  // BUG: one\n');
    writeFileSync(join(pkg, 'repository.go'), 'package main\n\nfunc f() {\n\tx++ // BUG: trailing\n}\n');
    writeFileSync(join(pkg, 'cache.go'), '// BUG: first line\npackage main\n');
    writeFileSync(join(pkg, 'cache_test.go'), '// BUG: a test\n');
    writeFileSync(join(pkg, 'sub', 'deep.go'), '// BUG: not in the root\n');
    expect(bugComments(pkg)).toEqual(['src/a.ts:2', 'cache.go:1', 'repository.go:4']);
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
