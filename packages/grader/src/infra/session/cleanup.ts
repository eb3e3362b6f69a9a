import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { Cgroup } from '../../sandbox/cgroup.ts';
import type { SessionRecord, TrackedProcess } from './session-file.ts';

/** True if `pid` exists (EPERM still means it exists). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Pids to kill for a session: tracked processes still running the command we started (guards
 * against pid reuse), plus any process whose command line names one of the session's dirs,
 * which catches processes killed mid-start before their pid was recorded (initdb, postgres,
 * Kafka's storage tool). Without /proc (macOS) only tracked pids are used.
 */
export function sessionPids(record: SessionRecord): { pid: number; group: boolean }[] {
  if (!hasProc) return record.processes.filter((p) => isAlive(p.pid)).map(({ pid, group }) => ({ pid, group }));
  const found = new Map<number, boolean>();
  for (const tracked of record.processes) {
    if (commandLine(tracked.pid)?.includes(tracked.marker)) found.set(tracked.pid, tracked.group);
  }
  if (record.dirs.length === 0 && !record.envMarker) return [...found].map(([pid, group]) => ({ pid, group }));
  const table = processTable();
  for (const [pid, { cmd }] of table) {
    if (pid === process.pid || found.has(pid)) continue;
    if (record.dirs.some((dir) => cmd.includes(dir)) || (record.envMarker && hasEnv(pid, record.envMarker))) found.set(pid, false);
  }
  // Children too (PostgreSQL backends do not name the data dir in their command line).
  for (const [pid, { ppid }] of table) {
    if (found.has(ppid) && !found.has(pid)) found.set(pid, false);
  }
  return [...found].map(([pid, group]) => ({ pid, group }));
}

function hasEnv(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

function processTable(): Map<number, { cmd: string; ppid: number }> {
  const table = new Map<number, { cmd: string; ppid: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const cmd = commandLine(pid);
    const ppid = parentPid(pid);
    if (cmd !== undefined && ppid !== undefined) table.set(pid, { cmd, ppid });
  }
  return table;
}

function parentPid(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function kill(target: { pid: number; group: boolean }): void {
  try {
    process.kill(target.group ? -target.pid : target.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Kills every process of the session with SIGKILL (the data is throwaway, and a slow graceful
 * shutdown is what leaves processes behind), waits until they are gone, then removes the dirs.
 * Synchronous on purpose: it also runs from signal and `exit` handlers.
 */
export function cleanupSessionSync(record: SessionRecord, waitMs = 5_000): { killed: number } {
  // A cgroup holds every process of a sandbox, however it forked or renamed itself.
  for (const dirs of record.cgroups ?? []) Cgroup.at(dirs).destroySync(waitMs);
  const targets = sessionPids(record);
  for (const target of targets) kill(target);
  const deadline = Date.now() + waitMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (targets.some((t) => isAlive(t.pid) && !isZombie(t.pid)) && Date.now() < deadline) {
    Atomics.wait(sleeper, 0, 0, 20);
  }
  // Lazy: a process of another mount namespace may still pin it; it goes once that one exits.
  for (const mount of record.mounts ?? []) spawnSync('umount', ['-l', mount], { stdio: 'ignore' });
  for (const dir of record.dirs) rmSync(dir, { recursive: true, force: true });
  return { killed: targets.length };
}

/** A killed child of ours stays a zombie until Node reaps it; it holds no resources. */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

export type { TrackedProcess };
