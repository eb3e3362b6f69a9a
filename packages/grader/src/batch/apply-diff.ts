import { cpSync, lstatSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** Where a diff was applied, or why it could not be. */
export type ApplyOutcome = { readonly ok: true; readonly base: string } | { readonly ok: false; readonly reason: string };

/**
 * Applies a unified diff (paths as `git diff` writes them, `a/service/src/main.ts`) onto a fresh
 * copy of each base in turn (the exported task with and without its BUG comments, since a model
 * may have been given either) and keeps the first that takes it whole. `git apply` refuses paths
 * outside the copy and applies all or nothing. An empty diff is the task as exported.
 */
export async function applyDiff(patch: string, bases: readonly { readonly name: string; readonly dir: string }[], dest: string): Promise<ApplyOutcome> {
  let firstError = '';
  for (const base of bases) {
    rmSync(dest, { recursive: true, force: true });
    // Installed dependencies are linked in afterwards (linkDependencies), never patched.
    cpSync(base.dir, dest, { recursive: true, filter: (src) => !src.endsWith('/node_modules') });
    if (!patch.trim()) return { ok: true, base: base.name };
    const result = await execa('git', ['apply', '--whitespace=nowarn', '-p1', '-'], {
      cwd: dest,
      input: patch,
      reject: false,
      timeout: 60_000,
      // Keeps git from treating an enclosing repository (the grader's checkout) as the tree to patch.
      env: { GIT_CEILING_DIRECTORIES: dirname(dest), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      extendEnv: true,
    });
    if (result.exitCode === 0) return { ok: true, base: base.name };
    firstError ||= String(result.stderr || result.stdout || `git apply exited with ${String(result.exitCode)}`)
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 2)
      .join(' | ');
  }
  rmSync(dest, { recursive: true, force: true });
  return { ok: false, reason: `the diff does not apply to the exported task: ${firstError}` };
}

/** Files that decide what `npm install` puts in node_modules. */
export const DEPENDENCY_FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'];

function sameFile(a: string, b: string): boolean {
  const [x, y] = [lstatOrUndefined(a), lstatOrUndefined(b)];
  if (!x || !y) return !x && !y;
  return x.isFile() && y.isFile() && readFileSync(a).equals(readFileSync(b));
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Whether the task's installed dependencies are exactly what the applied service would install:
 * it is a real directory, has no node_modules of its own (no file, link or folder by that name),
 * and its dependency files are byte for byte the exported task's. Judged on the applied tree,
 * never on the diff's text (renames, quoting and modes make that unreliable).
 */
export function keepsDependencies(service: string, baseService: string): boolean {
  const dir = lstatOrUndefined(service);
  if (!dir?.isDirectory() || lstatOrUndefined(join(service, 'node_modules'))) return false;
  return DEPENDENCY_FILES.every((f) => sameFile(join(service, f), join(baseService, f)));
}
