import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupV1, V1_CONTROLLERS, type V1Controller, type V1Dirs } from './cgroup-v1.ts';
import { CgroupV2, type V2Dirs } from './cgroup-v2.ts';

/**
 * Where a cgroup lives: cgroup v1 `{ memory, pids, cpu }` (a directory per controller), cgroup v2
 * `{ unified }`. Plain data: it goes into session files and worker threads.
 */
export type CgroupDirs = V1Dirs | V2Dirs;

/** Limits of one cgroup; an omitted limit is inherited from the parent. */
export interface CgroupLimits {
  readonly memoryBytes?: number;
  readonly pids?: number;
  /** CPUs' worth of time per period (1.5 = one and a half cores). */
  readonly cpus?: number;
  /** v2: an OOM kill takes every process of the group (a replica or build), not one (memory.oom.group). */
  readonly oomGroup?: boolean;
}

/** What the kernel reports about limits a cgroup ran into. */
export interface CgroupEvents {
  /** Processes of this group the OOM killer killed. */
  readonly oomKills: number;
  /** Times this group's own memory limit ran out and called the OOM killer (v2 only; 0 on v1). */
  readonly limitOoms: number;
  /** Times a fork or clone in this group failed because a pids.max was reached. */
  readonly pidsMaxHits: number;
  /** Times the memory limit was hit (reclaim included). */
  readonly memoryLimitHits: number;
}

/** CPU time of a group and how much of it the quota held back. */
export interface CpuStats {
  readonly usageMicros: number;
  /** Periods in which the group used up its quota and waited. */
  readonly throttledPeriods: number;
  readonly throttledMicros: number;
}

/** A cgroup of either version, as the sandbox uses it. */
export interface Cgroup {
  readonly version: 1 | 2;
  readonly dirs: CgroupDirs;
  /** The `cgroup.procs` files a process writes its pid into to join this cgroup. */
  readonly procsFiles: string[];
  /** Pids in this cgroup and every cgroup below it. */
  pids(): number[];
  events(): CgroupEvents;
  cpuStats(): CpuStats;
  /**
   * SIGKILLs every process in the cgroup (and below) until none is left, then removes the
   * directories. Synchronous: it also runs from signal and `exit` handlers. False if processes
   * outlived `waitMs`.
   */
  destroySync(waitMs?: number): boolean;
}

const isV2 = (dirs: CgroupDirs): dirs is V2Dirs => 'unified' in dirs;

export const Cgroup = {
  /** Creates `name` below `parent` and applies `limits` (v2: enabling what they need in the parent). */
  create(parent: CgroupDirs, name: string, limits: CgroupLimits): Cgroup {
    return isV2(parent) ? CgroupV2.create(parent, name, limits) : CgroupV1.create(parent, name, limits);
  },

  /** An existing cgroup (e.g. read back from a session file). */
  at(dirs: CgroupDirs): Cgroup {
    return isV2(dirs) ? new CgroupV2(dirs) : new CgroupV1(dirs);
  },
};

export interface Mount {
  readonly root: string;
  readonly point: string;
  /** Per-mount options (`ro` here makes the mount read-only whatever the filesystem says). */
  readonly options: string[];
  readonly fstype: string;
  readonly superOptions: string[];
}

/** The lines of /proc/self/mountinfo, as the fields the sandbox reads. */
export function parseMounts(mountinfo: string): Mount[] {
  return mountinfo.split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    if (!left || !right) return [];
    const [fstype = '', , superOptions = ''] = right.split(' ');
    const fields = left.split(' ');
    const [root, point, options = ''] = [fields[3], fields[4], fields[5]];
    return root !== undefined && point !== undefined ? [{ root, point, options: options.split(','), fstype, superOptions: superOptions.split(',') }] : [];
  });
}

/**
 * The directory of `path` (a cgroup path from /proc/self/cgroup) under `mount`. A container's
 * mount may show only its own subtree (mountinfo's root field), e.g. `/docker/ab12`.
 */
function dirUnder(mount: Mount, path: string): string | undefined {
  const root = mount.root === '/' ? '' : mount.root;
  if (path !== root && !path.startsWith(`${root}/`)) return undefined;
  return join(mount.point, path.slice(root.length));
}

/** controller (v1) or '' (v2) -> this process's cgroup path. */
function ownPaths(cgroups: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of cgroups.split('\n')) {
    const [hierarchy, list, ...rest] = line.split(':');
    if (hierarchy === undefined || list === undefined || rest.length === 0) continue;
    const path = rest.join(':');
    if (hierarchy === '0' && list === '') paths.set('', path);
    else for (const controller of list.split(',')) paths.set(controller, path);
  }
  return paths;
}

/**
 * The directory of each cgroup v1 controller's hierarchy that this process belongs to, e.g.
 * `/sys/fs/cgroup/memory/process_api/ab12`: new groups nest below it, so the limits of whatever
 * runs the grader still apply to its sandboxes. Undefined unless memory, pids and cpu all have
 * a v1 hierarchy.
 */
export function ownCgroupDirs(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'), cgroups = readFileSync('/proc/self/cgroup', 'utf8')): V1Dirs | undefined {
  const mounts = new Map<string, Mount>();
  for (const mount of parseMounts(mountinfo)) {
    if (mount.fstype !== 'cgroup') continue;
    for (const option of mount.superOptions) mounts.set(option, mount);
  }
  const paths = ownPaths(cgroups);
  const dirs: Partial<Record<V1Controller, string>> = {};
  for (const controller of V1_CONTROLLERS) {
    const mount = mounts.get(controller);
    const path = paths.get(controller);
    const dir = mount && path !== undefined ? dirUnder(mount, path) : undefined;
    if (dir === undefined) return undefined;
    dirs[controller] = dir;
  }
  return dirs as V1Dirs;
}

/** This process's cgroup in the unified (v2) hierarchy, if one is mounted where it is visible. */
export function ownUnifiedDir(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'), cgroups = readFileSync('/proc/self/cgroup', 'utf8')): string | undefined {
  const path = ownPaths(cgroups).get('');
  return path === undefined ? undefined : unifiedDir(path, mountinfo);
}

/** The directory of the unified-hierarchy group `path` (as /proc/PID/cgroup shows it). */
export function unifiedDir(path: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string | undefined {
  for (const mount of parseMounts(mountinfo)) {
    if (mount.fstype !== 'cgroup2') continue;
    const dir = dirUnder(mount, path);
    if (dir !== undefined) return dir;
  }
  return undefined;
}

/** Mount points of the cgroup filesystems that hold `dirs` and are mounted read-only. */
export function readOnlyCgroupMounts(dirs: readonly string[], mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const mounts = parseMounts(mountinfo).filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2');
  const holding = (dir: string): Mount | undefined =>
    mounts.filter((m) => dir === m.point || dir.startsWith(m.point.endsWith('/') ? m.point : `${m.point}/`)).sort((a, b) => b.point.length - a.point.length)[0];
  return [...new Set(dirs.flatMap((dir) => {
    const mount = holding(dir);
    return mount?.options.includes('ro') ? [mount.point] : [];
  }))];
}
