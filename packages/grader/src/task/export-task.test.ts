import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraderError } from '../errors/grader-error.ts';
import { exportTask, REPO_ROOT, stripBugComments, type TaskLanguage } from './export-task.ts';

function walk(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(root, path) : [relative(root, path).split(sep).join('/')];
  });
}

const BUGGY = join(REPO_ROOT, 'packages', 'buggy-service');
const buggySources = walk(BUGGY).filter((f) => !f.endsWith('.log')).sort();
const bugCount = buggySources
  .filter((f) => f.endsWith('.ts'))
  .reduce((n, f) => n + (readFileSync(join(BUGGY, f), 'utf8').match(/\/\/\s*BUG:/g)?.length ?? 0), 0);

/** Text only the grader or the reference fix contains: must never appear in a bundle. */
const FORBIDDEN = [
  /ON CONFLICT/i, // the reference fix's deduplication
  /FOR UPDATE/i, // its row locks
  /withRetry|isRetryable/, // its retry
  /reference-fix|reference fix/i,
  /packages\/grader|@inventory\/grader/,
  /weights\.json/,
];

describe('exportTask', () => {
  let work: string;
  let withHints: { dir: string; files: string[] };
  let withoutHints: { dir: string; files: string[] };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'export-task-'));
    withHints = { dir: join(work, 'hints'), files: (await exportTask({ out: join(work, 'hints'), hints: true })).files };
    mkdirSync(join(work, 'nohints')); // an existing empty directory is fine
    withoutHints = { dir: join(work, 'nohints'), files: (await exportTask({ out: join(work, 'nohints'), hints: false })).files };
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('writes exactly the bundle: prompt, contract, schema, compose file, README and the buggy service', () => {
    const expected = [
      'README.md',
      'docker-compose.yml',
      'docs/CONTRACT.md',
      'docs/schema.sql',
      'prompt.md',
      ...buggySources.map((f) => `service/${f}`),
    ].sort();
    expect(withHints.files).toEqual(expected);
    expect(walk(withHints.dir).sort()).toEqual(expected);
    expect(withoutHints.files).toEqual(expected);
    expect(buggySources).toContain('src/main.ts');
    expect(buggySources).toContain('target.json');
  });

  it('contains no file, and no text, of packages/grader or packages/reference-fix', () => {
    for (const { dir, files } of [withHints, withoutHints]) {
      for (const file of files) {
        expect(file).not.toMatch(/grader|reference/);
        const text = readFileSync(join(dir, file), 'utf8');
        for (const pattern of FORBIDDEN) expect(text, `${file} matches ${pattern}`).not.toMatch(pattern);
      }
    }
  });

  it('keeps the // BUG: comments with hints and removes every one without', () => {
    expect(bugCount).toBeGreaterThanOrEqual(12);
    const count = (dir: string): number =>
      walk(dir).reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/\/\/\s*BUG:/g)?.length ?? 0), 0);
    expect(count(join(withHints.dir, 'service'))).toBe(bugCount);
    expect(count(withoutHints.dir)).toBe(0);
    for (const file of withoutHints.files) expect(readFileSync(join(withoutHints.dir, file), 'utf8')).not.toMatch(/\bBUG\b/);
    expect(readFileSync(join(withHints.dir, 'README.md'), 'utf8')).toMatch(/BUG:/);
  });

  it('changes nothing but the BUG comments in the service sources', () => {
    for (const file of buggySources.filter((f) => f.endsWith('.ts'))) {
      const original = readFileSync(join(BUGGY, file), 'utf8');
      expect(readFileSync(join(withHints.dir, 'service', file), 'utf8')).toBe(original);
      expect(readFileSync(join(withoutHints.dir, 'service', file), 'utf8')).toBe(stripBugComments(original));
    }
  });

  it('makes the service standalone: inlined tsconfig, a build step, a neutral package.json', () => {
    const dir = join(withoutHints.dir, 'service');
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as Record<string, unknown>;
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, module: 'NodeNext' });
    expect(JSON.parse(readFileSync(join(dir, 'target.json'), 'utf8'))).toEqual({
      build: 'npm install --no-audit --no-fund && npm run --silent build',
      start: ['node', 'dist/main.js'],
    });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; description: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('inventory-service');
    expect(pkg.description).not.toMatch(/bug/i);
    expect(pkg.dependencies.kafkajs).toBe('2.2.4');
  });

  it('the service without hints still typechecks', () => {
    const dir = join(withoutHints.dir, 'service');
    symlinkSync(join(BUGGY, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() => execFileSync(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { cwd: dir, stdio: 'pipe' })).not.toThrow();
  }, 60_000);

  it('refuses a non-empty --out with a USAGE error and writes nothing', async () => {
    const dir = join(work, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'x');
    const error = await exportTask({ out: dir, hints: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraderError);
    expect((error as GraderError).code).toBe('USAGE');
    expect((error as GraderError).hint).toMatch(/empty/);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('refuses an --out that is a file', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    await expect(exportTask({ out: file, hints: false })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('exportTask --language go', () => {
  let work: string;
  let service: string;
  const bundle = async (hints: boolean, serviceDir = service): Promise<{ dir: string; files: string[] }> => {
    const dir = mkdtempSync(join(work, 'bundle-'));
    return { dir, files: (await exportTask({ out: dir, hints, language: 'go', serviceDir })).files };
  };

  // A fake Go service: BUG comments on their own line and after code, a test, a README and a built binary.
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'export-task-go-'));
    service = join(work, 'buggy-service-go');
    mkdirSync(join(service, 'internal', 'inventory-service'), { recursive: true });
    writeFileSync(join(service, 'go.mod'), 'module inventory-service\n\ngo 1.26.0\n');
    writeFileSync(join(service, 'target.json'), '{ "build": ["go", "build", "-race", "-o", "inventory-service", "."], "start": ["./inventory-service"] }\n');
    writeFileSync(join(service, 'main.go'), 'package main\n\n// BUG: the cache is shared without a lock\nvar cache = map[string]int{}\n\nfunc main() {\n\tcache["a"]++ // BUG: lost updates\n}\n');
    writeFileSync(join(service, 'main_test.go'), 'package main\n\nimport "testing"\n\nfunc TestMain(t *testing.T) {} // BUG: tests nothing\n');
    writeFileSync(join(service, 'README.md'), '# inventory-service\n\nConsumes inventory messages.\n');
    writeFileSync(join(service, 'internal', 'inventory-service', 'doc.go'), 'package inventoryservice\n');
    writeFileSync(join(service, 'inventory-service'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0xff]));
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exports the Go service without its built binary, and the Go prompt as prompt.md', async () => {
    const { dir, files } = await bundle(true);
    const serviceFiles = ['README.md', 'go.mod', 'internal/inventory-service/doc.go', 'main.go', 'main_test.go', 'target.json'];
    expect(files).toEqual(['README.md', 'docker-compose.yml', 'docs/CONTRACT.md', 'docs/schema.sql', 'prompt.md', ...serviceFiles.map((f) => `service/${f}`)].sort());
    expect(walk(dir).sort()).toEqual(files);
    for (const file of serviceFiles) expect(readFileSync(join(dir, 'service', file), 'utf8')).toBe(readFileSync(join(service, file), 'utf8'));
    expect(readFileSync(join(dir, 'prompt.md'), 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'prompt-go.md'), 'utf8'));
    expect(readFileSync(join(dir, 'prompt.md'), 'utf8')).toMatch(/go build -race.*GORACE=halt_on_error=1.*go test -race \.\/\.\.\./s);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/go build -race/);
    expect(readme).toMatch(/`\/\/ BUG:` comments in `service\/\*\.go`/);
    expect(readme).not.toMatch(/npm|TypeScript|kafkajs/);
    for (const file of files.filter((f) => !f.startsWith('service/'))) {
      for (const pattern of FORBIDDEN) expect(readFileSync(join(dir, file), 'utf8'), `${file} matches ${pattern}`).not.toMatch(pattern);
    }
  });

  it('strips every // BUG: comment from the .go files (tests included) without hints, changing nothing else', async () => {
    const { dir } = await bundle(false);
    expect(readFileSync(join(dir, 'service', 'main.go'), 'utf8')).toBe('package main\n\nvar cache = map[string]int{}\n\nfunc main() {\n\tcache["a"]++\n}\n');
    expect(readFileSync(join(dir, 'service', 'main_test.go'), 'utf8')).toBe('package main\n\nimport "testing"\n\nfunc TestMain(t *testing.T) {}\n');
    for (const file of walk(dir)) expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/\bBUG\b/);
    expect(JSON.parse(readFileSync(join(dir, 'service', 'target.json'), 'utf8'))).toEqual({ build: ['go', 'build', '-race', '-o', 'inventory-service', '.'], start: ['./inventory-service'] });
  });

  it('refuses an unknown language (USAGE) and a missing service (TARGET_NOT_FOUND), writing nothing', async () => {
    const out = join(work, 'refused');
    await expect(exportTask({ out, hints: true, language: 'rust' as TaskLanguage })).rejects.toMatchObject({ code: 'USAGE', message: "--language must be one of typescript, go, got 'rust'" });
    const error = await exportTask({ out, hints: true, language: 'go', serviceDir: join(work, 'nowhere') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraderError);
    expect((error as GraderError).code).toBe('TARGET_NOT_FOUND');
    expect((error as GraderError).toLine()).toMatch(/the go service .*nowhere does not exist/);
    expect(existsSync(out)).toBe(false);
  });

  // The real Go service, once packages/buggy-service-go exists.
  const BUGGY_GO = join(REPO_ROOT, 'packages', 'buggy-service-go');
  it.skipIf(!existsSync(join(BUGGY_GO, 'target.json')))('exports packages/buggy-service-go: no binary, no BUG comment without hints, no text of a fix', async () => {
    const { dir, files } = await bundle(false, BUGGY_GO);
    expect(files).toContain('service/target.json');
    expect(files).not.toContain('service/inventory-service');
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/\/\/\s*BUG:/);
      for (const pattern of FORBIDDEN) expect(text, `${file} matches ${pattern}`).not.toMatch(pattern);
    }
  });
});

describe('stripBugComments', () => {
  it('removes whole-line and trailing BUG comments only', () => {
    const input = ['const a = 1;', '  // BUG: lost updates', 'const b = 2; // BUG: negative stock', '// a normal comment', ''].join('\n');
    expect(stripBugComments(input)).toBe(['const a = 1;', 'const b = 2;', '// a normal comment', ''].join('\n'));
  });
});
