import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The text of a cgroup file, or '' once the group is gone. */
export function readOr(dir: string, file: string, fallback = ''): string {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch {
    return fallback;
  }
}

export function write(dir: string, file: string, value: string): void {
  writeFileSync(join(dir, file), value);
}

/** A `key value` field of a flat-keyed cgroup file (memory.events, pids.events, cpu.stat); 0 if absent. */
export function field(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

/** Pids in `dir` and every cgroup below it. */
export function pidsBelow(dir: string): number[] {
  const found: number[] = [];
  const walk = (current: string): void => {
    try {
      for (const line of readFileSync(join(current, 'cgroup.procs'), 'utf8').split('\n')) if (line) found.push(Number(line));
      for (const entry of readdirSync(current, { withFileTypes: true })) if (entry.isDirectory()) walk(join(current, entry.name));
    } catch {
      // Removed while we looked.
    }
  };
  walk(dir);
  return found;
}

/** Removes an (empty) cgroup directory, children first; false while a process remains. */
export function removeTree(dir: string): boolean {
  if (!existsSync(dir)) return true;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !removeTree(join(dir, entry.name))) return false;
    }
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kills (`kill`) until `pids` finds none and `remove` succeeds, or `waitMs` passes. Repeats
 * because a process may fork between listing and killing. Synchronous: it also runs from signal
 * and `exit` handlers.
 */
export function killUntilGone(kill: () => void, pids: () => number[], remove: () => boolean, waitMs: number): boolean {
  const deadline = Date.now() + waitMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    kill();
    if (pids().length === 0 && remove()) return true;
    if (Date.now() > deadline) return false;
    Atomics.wait(sleeper, 0, 0, 20);
  }
}
