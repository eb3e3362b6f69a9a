import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { exportTask } from '../task/export-task.ts';
import { applyDiff, keepsDependencies } from './apply-diff.ts';

function base(name: string, main: string): { name: string; dir: string } {
  const dir = join(tempDir('grader-base-'), name);
  mkdirSync(join(dir, 'service/src'), { recursive: true });
  writeFileSync(join(dir, 'service/src/main.ts'), main);
  return { name, dir };
}

const PATCH = `diff --git a/service/src/main.ts b/service/src/main.ts
--- a/service/src/main.ts
+++ b/service/src/main.ts
@@ -1,2 +1,2 @@
 const a = 1;
-const b = 2;
+const b = 3;
`;

describe('applyDiff', () => {
  it('applies a git diff to a fresh copy, trying each base in turn', async () => {
    const hinted = base('hints', 'const a = 1; // BUG: x\nconst b = 2;\n');
    const plain = base('no-hints', 'const a = 1;\nconst b = 2;\n');
    const dest = join(tempDir('grader-apply-'), 'task');
    const outcome = await applyDiff(PATCH, [hinted, plain], dest);
    expect(outcome).toEqual({ ok: true, base: 'no-hints' });
    expect(readFileSync(join(dest, 'service/src/main.ts'), 'utf8')).toBe('const a = 1;\nconst b = 3;\n');
    // The bases are never touched.
    expect(readFileSync(join(plain.dir, 'service/src/main.ts'), 'utf8')).toBe('const a = 1;\nconst b = 2;\n');
  });

  it('applies inside another git repository as if it were not there', async () => {
    const repo = tempDir('grader-repo-');
    mkdirSync(join(repo, '.git'));
    const plain = base('no-hints', 'const a = 1;\nconst b = 2;\n');
    const dest = join(repo, 'out', 'task');
    mkdirSync(join(repo, 'out'));
    expect(await applyDiff(PATCH, [plain], dest)).toEqual({ ok: true, base: 'no-hints' });
    expect(readFileSync(join(dest, 'service/src/main.ts'), 'utf8')).toContain('const b = 3;');
  });

  it('an empty diff is the task unchanged; one that does not apply says why and leaves nothing', async () => {
    const plain = base('no-hints', 'const a = 1;\nconst b = 2;\n');
    const dest = join(tempDir('grader-apply-'), 'task');
    expect(await applyDiff('  \n', [plain], dest)).toEqual({ ok: true, base: 'no-hints' });
    const other = base('other', 'something else\n');
    const failed = await applyDiff(PATCH, [other], dest);
    expect(failed.ok).toBe(false);
    expect(failed.ok ? '' : failed.reason).toMatch(/^the diff does not apply to the exported task: error: patch failed: service\/src\/main\.ts:1/);
    expect(existsSync(dest)).toBe(false);
    const garbage = await applyDiff('this is not a diff\n', [plain], dest);
    expect(garbage.ok ? '' : garbage.reason).toMatch(/does not apply/);
  });

  it('refuses paths that leave the task', async () => {
    const plain = base('no-hints', 'x\n');
    const dest = join(tempDir('grader-apply-'), 'task');
    const escape = `diff --git a/../escaped.txt b/../escaped.txt
new file mode 100644
--- /dev/null
+++ b/../escaped.txt
@@ -0,0 +1 @@
+pwned
`;
    const outcome = await applyDiff(escape, [plain], dest);
    expect(outcome.ok).toBe(false);
    expect(existsSync(join(dest, '..', 'escaped.txt'))).toBe(false);
  });
});

describe('keepsDependencies', () => {
  function service(files: Record<string, string>): string {
    const dir = join(tempDir('grader-deps-'), 'service');
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  }

  it('only for a service whose dependency files are the task\'s and that has no node_modules of its own', () => {
    const base = service({ 'package.json': '{"dependencies":{}}' });
    expect(keepsDependencies(service({ 'package.json': '{"dependencies":{}}', 'main.ts': 'x' }), base)).toBe(true);
    expect(keepsDependencies(service({ 'package.json': '{"dependencies":{"left-pad":"1"}}' }), base)).toBe(false);
    expect(keepsDependencies(service({ 'package.json': '{"dependencies":{}}', '.npmrc': 'registry=http://x' }), base)).toBe(false);
    // A file, or a link to anywhere, named node_modules (a rename or a symlink in the diff).
    expect(keepsDependencies(service({ 'package.json': '{"dependencies":{}}', node_modules: 'a file' }), base)).toBe(false);
    const linked = service({ 'package.json': '{"dependencies":{}}' });
    symlinkSync('/tmp', join(linked, 'node_modules'));
    expect(keepsDependencies(linked, base)).toBe(false);
  });
});

/** A git diff of one changed line with one line of context on each side (the line is not the first or last). */
function unifiedDiff(path: string, before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const i = a.findIndex((line, n) => line !== b[n]);
  return [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, `@@ -${i},3 +${i},3 @@`, ` ${a[i - 1]}`, `-${a[i]}`, `+${b[i]}`, ` ${a[i + 1]}`, ''].join('\n');
}

describe('applyDiff on the real exported tasks', () => {
  it('applies a diff made against the Go task to the Go task, and a TypeScript one to the TypeScript task', async () => {
    const root = tempDir('grader-bases-');
    const bases = [
      { name: 'ts', dir: join(root, 'ts'), hints: true, language: 'typescript' as const },
      { name: 'ts-no-hints', dir: join(root, 'ts-no-hints'), hints: false, language: 'typescript' as const },
      { name: 'go', dir: join(root, 'go'), hints: true, language: 'go' as const },
      { name: 'go-no-hints', dir: join(root, 'go-no-hints'), hints: false, language: 'go' as const },
    ];
    for (const b of bases) await exportTask({ out: b.dir, hints: b.hints, language: b.language });
    const edit = (file: string, from: string, to: string): string => {
      const text = readFileSync(file, 'utf8');
      expect(text).toContain(from);
      return text.replace(from, to);
    };
    // A one-line change in a file only the Go task has, and one only the TypeScript task has.
    const goFile = join(root, 'go-no-hints/service/store.go');
    const goPatch = unifiedDiff('service/store.go', readFileSync(goFile, 'utf8'), edit(goFile, 'poolConfig.MaxConns = 10', 'poolConfig.MaxConns = 8'));
    const tsFile = join(root, 'ts-no-hints/service/src/config.ts');
    const tsPatch = unifiedDiff('service/src/config.ts', readFileSync(tsFile, 'utf8'), edit(tsFile, 'is not set', 'is missing'));
    const goDest = join(tempDir('grader-apply-'), 'task');
    // Lines far from a BUG comment read the same with and without hints: the hinted base comes first.
    expect(await applyDiff(goPatch, bases, goDest)).toEqual({ ok: true, base: 'go' });
    expect(readFileSync(join(goDest, 'service/store.go'), 'utf8')).toContain('poolConfig.MaxConns = 8');
    expect(existsSync(join(goDest, 'service/go.mod'))).toBe(true);
    const tsDest = join(tempDir('grader-apply-'), 'task');
    expect(await applyDiff(tsPatch, bases, tsDest)).toEqual({ ok: true, base: 'ts' });
    expect(existsSync(join(tsDest, 'service/package.json'))).toBe(true);
  });
});
