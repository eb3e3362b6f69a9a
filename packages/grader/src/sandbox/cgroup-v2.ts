import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cgroup, CgroupEvents, CgroupLimits, CpuStats } from './cgroup.ts';
import { field, killAll, killUntilGone, pidsBelow, readOr, removeTree, write } from './cgroup-fs.ts';

/** The cgroup v2 controllers a sandbox needs in its delegated subtree. */
export const V2_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;

// A type, not an interface: plain records of strings (Object.values, session files) take it.
export type V2Dirs = { readonly unified: string };

/** The controllers `limits` needs enabled in the parent's cgroup.subtree_control. */
function controllersFor(limits: CgroupLimits): string[] {
  return [...(limits.memoryBytes !== undefined ? ['memory'] : []), ...(limits.pids !== undefined ? ['pids'] : []), ...(limits.cpus !== undefined ? ['cpu'] : [])];
}

/** Enables `controllers` for the children of `dir` (a no-op for those already enabled). */
export function enableControllers(dir: string, controllers: readonly string[]): void {
  const enabled = new Set(readOr(dir, 'cgroup.subtree_control').split(/\s+/).filter(Boolean));
  const missing = controllers.filter((c) => !enabled.has(c));
  if (missing.length > 0) write(dir, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
}

/**
 * One cgroup of the unified (v2) hierarchy. v2's rules hold by construction: a submission's group
 * holds no process itself, only the groups of its build and replicas, which hold no groups.
 */
export class CgroupV2 implements Cgroup {
  readonly version = 2;

  constructor(readonly dirs: V2Dirs) {}

  static create(parent: V2Dirs, name: string, limits: CgroupLimits): CgroupV2 {
    enableControllers(parent.unified, controllersFor(limits));
    const dir = join(parent.unified, name);
    mkdirSync(dir);
    const group = new CgroupV2({ unified: dir });
    group.apply(limits);
    return group;
  }

  private apply(limits: CgroupLimits): void {
    const dir = this.dirs.unified;
    if (limits.memoryBytes !== undefined) {
      write(dir, 'memory.max', String(limits.memoryBytes));
      // As v1's memsw limit: swap is no way around the limit.
      if (existsSync(join(dir, 'memory.swap.max'))) write(dir, 'memory.swap.max', '0');
    }
    if (limits.oomGroup) write(dir, 'memory.oom.group', '1');
    if (limits.pids !== undefined) write(dir, 'pids.max', String(limits.pids));
    if (limits.cpus !== undefined) {
      const period = 100_000;
      write(dir, 'cpu.max', `${Math.round(period * limits.cpus)} ${period}`);
    }
  }

  get procsFiles(): string[] {
    return [join(this.dirs.unified, 'cgroup.procs')];
  }

  pids(): number[] {
    return pidsBelow(this.dirs.unified);
  }

  events(): CgroupEvents {
    const dir = this.dirs.unified;
    // .local: this group's own events (v2's plain files add the descendants'). pids.events.local
    // is newer (Linux 6.14); before it pids.events counts forks refused in this group, as v1 does.
    const memory = readOr(dir, 'memory.events.local') || readOr(dir, 'memory.events');
    const pids = readOr(dir, 'pids.events.local') || readOr(dir, 'pids.events');
    return { oomKills: field(memory, 'oom_kill'), limitOoms: field(memory, 'oom'), pidsMaxHits: field(pids, 'max'), memoryLimitHits: field(memory, 'max') };
  }

  cpuStats(): CpuStats {
    const stat = readOr(this.dirs.unified, 'cpu.stat');
    return { usageMicros: field(stat, 'usage_usec'), throttledPeriods: field(stat, 'nr_throttled'), throttledMicros: field(stat, 'throttled_usec') };
  }

  destroySync(waitMs = 5_000): boolean {
    const dir = this.dirs.unified;
    // cgroup.kill (Linux 5.14+) kills the whole subtree at once, forks in flight included.
    const hasKill = existsSync(join(dir, 'cgroup.kill'));
    return killUntilGone(
      () => {
        if (!hasKill) return killAll(this.pids());
        try {
          write(dir, 'cgroup.kill', '1');
        } catch {
          // Gone already.
        }
      },
      () => this.pids(),
      () => removeTree(dir),
      waitMs,
    );
  }
}
