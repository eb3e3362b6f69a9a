import { cpSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
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

/** Paths a diff touches (both sides), without their a/ b/ prefixes. */
export function touchedPaths(patch: string): string[] {
  const paths = new Set<string>();
  for (const line of patch.split('\n')) {
    const git = /^diff --git a\/(\S+) b\/(\S+)/.exec(line);
    if (git) {
      paths.add(git[1] as string);
      paths.add(git[2] as string);
      continue;
    }
    const side = /^(?:---|\+\+\+) (?:[ab]\/)?(\S+)/.exec(line);
    if (side && side[1] !== '/dev/null') paths.add(side[1] as string);
  }
  return [...paths];
}

/** Files whose change makes the dependencies installed for the exported task not the submission's. */
const DEPENDENCY_FILES = /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|\.npmrc|node_modules(\/.*)?)$/;

/** Whether the task's pre-installed dependencies are exactly what this diff's service would install. */
export function keepsDependencies(patch: string): boolean {
  return !touchedPaths(patch).some((p) => DEPENDENCY_FILES.test(p));
}
