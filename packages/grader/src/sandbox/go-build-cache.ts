import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetSpec } from '../target/target-spec.ts';

/** The Go caches a sandbox mounts read-only under its own writable layer (overlayfs). */
export interface GoBuildCache {
  /** Lower layer of `/root/.cache/go-build` in the sandbox (GOCACHE). */
  readonly build: string;
  /** Lower layer of `/root/go/pkg/mod` in the sandbox (GOMODCACHE). */
  readonly mod: string;
}

/** Where the two caches appear inside a sandbox: Go's defaults for HOME=/root. */
export const GO_CACHE_MOUNTS = { build: '.cache/go-build', mod: 'go/pkg/mod' } as const;

/** True for a target built with the Go toolchain (a go.mod at its root). */
export function isGoTarget(target: TargetSpec): boolean {
  return existsSync(join(target.dir, 'go.mod'));
}

/**
 * The key of a warm cache: the Go toolchain and the task's module requirements. Another Go or
 * other dependencies make a new cache; the old one is left to graders still using it.
 */
export function goCacheKey(goVersion: string, goMod: string, goSum: string): string {
  return createHash('sha256').update(goVersion).update('\0').update(goMod).update('\0').update(goSum).digest('hex').slice(0, 16);
}

/**
 * Mounts each warm Go cache at Go's default place in the sandbox's home as an overlay: the
 * machine's cache read-only below, a layer of the sandbox's own disk above (outside what the
 * sandbox sees), so a build reads what is there and writes only its own, capped, disk.
 */
export function mountGoCache(cache: GoBuildCache, root: string, hostRoot: string, uid: number, run: (argv: readonly string[]) => void, track: (path: string) => void): void {
  const names = ['build', 'mod'] as const;
  const layer = (base: string, name: string, part: string): string => join(base, '.go-cache', name, part);
  for (const name of names) {
    for (const dir of [layer(hostRoot, name, 'upper'), layer(hostRoot, name, 'work')]) mkdirSync(dir, { recursive: true });
  }
  run(['mkdir', '-p', ...names.map((name) => join(root, 'home', GO_CACHE_MOUNTS[name]))]);
  run(['chown', '-R', `${uid}:${uid}`, join(root, '.go-cache'), join(root, 'home')]);
  for (const name of names) {
    const target = join(root, 'home', GO_CACHE_MOUNTS[name]);
    run(['mount', '-t', 'overlay', 'grader-go-cache', '-o', `lowerdir=${cache[name]},upperdir=${layer(root, name, 'upper')},workdir=${layer(root, name, 'work')},nosuid,nodev`, target]);
    track(target);
  }
}
