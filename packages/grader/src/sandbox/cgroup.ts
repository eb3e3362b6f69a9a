import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The cgroup v1 controllers a sandbox uses: memory and process limits, and a CPU quota. */
export const CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
export type Controller = (typeof CONTROLLERS)[number];

/** Limits of one cgroup; an omitted limit is inherited from the parent. */
export interface CgroupLimits {
  readonly memoryBytes?: number;
  readonly pids?: number;
  /** CPUs' worth of time per period (1.5 = one and a half cores), via cfs_quota_us. */
  readonly cpus?: number;
}

/** What the kernel reports about limits a cgroup ran into. */
export interface CgroupEvents {
  /** Processes the OOM killer killed in this cgroup (memory.oom_control `oom_kill`). */
  readonly oomKills: number;
  /** Times a fork or clone failed because pids.max was reached. */
  readonly pidsMaxHits: number;
  /** Times memory.limit_in_bytes was hit (reclaim included). */
  readonly memoryLimitHits: number;
}

/**
 * The directory of each controller's hierarchy that this process belongs to, e.g.
 * `/sys/fs/cgroup/memory/process_api/ab12`: new groups nest below it, so the limits of whatever
 * runs the grader still apply to its sandboxes.
 */
export function ownCgroupDirs(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'), cgroups = readFileSync('/proc/self/cgroup', 'utf8')): Record<Controller, string> | undefined {
  const mounts = new Map<string, string>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const [fstype, , superOptions = ''] = right.split(' ');
    if (fstype !== 'cgroup') continue;
    const mountPoint = left.split(' ')[4];
    for (const option of superOptions.split(',')) if (mountPoint) mounts.set(option, mountPoint);
  }
  const paths = new Map<string, string>();
  for (const line of cgroups.split('\n')) {
    const [, list, path] = line.split(':');
    if (list === undefined || path === undefined) continue;
    for (const controller of list.split(',')) paths.set(controller, path);
  }
  const dirs: Partial<Record<Controller, string>> = {};
  for (const controller of CONTROLLERS) {
    const mount = mounts.get(controller);
    const path = paths.get(controller);
    if (mount === undefined || path === undefined) return undefined;
    dirs[controller] = join(mount, path);
  }
  return dirs as Record<Controller, string>;
}

/** One cgroup in each of the memory, pids and cpu hierarchies, under the same relative name. */
export class Cgroup {
  private constructor(readonly dirs: Readonly<Record<Controller, string>>) {}

  /** Creates `name` below `parent` (directories per controller) and applies `limits`. */
  static create(parent: Readonly<Record<Controller, string>>, name: string, limits: CgroupLimits): Cgroup {
    const dirs = Object.fromEntries(CONTROLLERS.map((c) => [c, join(parent[c], name)])) as Record<Controller, string>;
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    const group = new Cgroup(dirs);
    group.apply(limits);
    return group;
  }

  /** An existing cgroup (e.g. read back from a session file). */
  static at(dirs: Readonly<Record<Controller, string>>): Cgroup {
    return new Cgroup(dirs);
  }

  private apply(limits: CgroupLimits): void {
    if (limits.memoryBytes !== undefined) {
      write(this.dirs.memory, 'memory.limit_in_bytes', String(limits.memoryBytes));
      // Swap counts too where the kernel accounts it (no swap here, but a laptop may have some).
      if (existsSync(join(this.dirs.memory, 'memory.memsw.limit_in_bytes'))) {
        write(this.dirs.memory, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes));
      }
    }
    if (limits.pids !== undefined) write(this.dirs.pids, 'pids.max', String(limits.pids));
    if (limits.cpus !== undefined) {
      const period = Number(read(this.dirs.cpu, 'cpu.cfs_period_us')) || 100_000;
      write(this.dirs.cpu, 'cpu.cfs_quota_us', String(Math.round(period * limits.cpus)));
    }
  }

  /** The `cgroup.procs` files a process writes its pid into to join this cgroup. */
  get procsFiles(): string[] {
    return CONTROLLERS.map((c) => join(this.dirs[c], 'cgroup.procs'));
  }

  /** Pids in this cgroup and every cgroup below it (the pids hierarchy sees every process). */
  pids(): number[] {
    const found: number[] = [];
    const walk = (dir: string): void => {
      try {
        for (const line of read(dir, 'cgroup.procs').split('\n')) if (line) found.push(Number(line));
        for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
      } catch {
        // Removed while we looked.
      }
    };
    walk(this.dirs.pids);
    return found;
  }

  events(): CgroupEvents {
    const field = (text: string, name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const safe = (dir: string, file: string): string => {
      try {
        return read(dir, file);
      } catch {
        return '';
      }
    };
    return {
      oomKills: field(safe(this.dirs.memory, 'memory.oom_control'), 'oom_kill'),
      pidsMaxHits: field(safe(this.dirs.pids, 'pids.events'), 'max'),
      memoryLimitHits: Number(safe(this.dirs.memory, 'memory.failcnt').trim() || 0),
    };
  }

  /** Peak memory use in bytes. */
  maxMemoryBytes(): number {
    try {
      return Number(read(this.dirs.memory, 'memory.max_usage_in_bytes').trim());
    } catch {
      return 0;
    }
  }

  /**
   * SIGKILLs every process in the cgroup (and below) until none is left, then removes the
   * directories. Repeats because a process may fork between listing and killing. Synchronous:
   * it also runs from signal and `exit` handlers. Returns false if processes outlived `waitMs`.
   */
  destroySync(waitMs = 5_000): boolean {
    const deadline = Date.now() + waitMs;
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      const pids = this.pids();
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      if (pids.length === 0 && this.removeDirs()) return true;
      if (Date.now() > deadline) return false;
      Atomics.wait(sleeper, 0, 0, 20);
    }
  }

  /** Removes the (empty) directories, children first; false while a process remains. */
  private removeDirs(): boolean {
    let ok = true;
    for (const dir of Object.values(this.dirs)) ok = removeTree(dir) && ok;
    return ok;
  }
}

function removeTree(dir: string): boolean {
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

function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

function write(dir: string, file: string, value: string): void {
  writeFileSync(join(dir, file), value);
}
