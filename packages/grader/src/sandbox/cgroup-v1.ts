import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cgroup, CgroupEvents, CgroupLimits, CpuStats } from './cgroup.ts';
import { field, killAll, killUntilGone, pidsBelow, readOr, removeTree, write } from './cgroup-fs.ts';

/** The cgroup v1 controllers a sandbox uses: memory and process limits, and a CPU quota. */
export const V1_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];
export type V1Dirs = Readonly<Record<V1Controller, string>>;

/** One cgroup in each of the memory, pids and cpu hierarchies of cgroup v1, under the same relative name. */
export class CgroupV1 implements Cgroup {
  readonly version = 1;

  constructor(readonly dirs: V1Dirs) {}

  static create(parent: V1Dirs, name: string, limits: CgroupLimits): CgroupV1 {
    const dirs = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, join(parent[c], name)])) as Record<V1Controller, string>;
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    const group = new CgroupV1(dirs);
    group.apply(limits);
    return group;
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
      const period = Number(readOr(this.dirs.cpu, 'cpu.cfs_period_us')) || 100_000;
      write(this.dirs.cpu, 'cpu.cfs_quota_us', String(Math.round(period * limits.cpus)));
    }
  }

  get procsFiles(): string[] {
    return V1_CONTROLLERS.map((c) => join(this.dirs[c], 'cgroup.procs'));
  }

  /** The pids hierarchy sees every process. */
  pids(): number[] {
    return pidsBelow(this.dirs.pids);
  }

  events(): CgroupEvents {
    return {
      oomKills: field(readOr(this.dirs.memory, 'memory.oom_control'), 'oom_kill'),
      // v1 counts the kill on the victim's group only: which limit ran out is not recorded.
      limitOoms: 0,
      pidsMaxHits: field(readOr(this.dirs.pids, 'pids.events'), 'max'),
      memoryLimitHits: Number(readOr(this.dirs.memory, 'memory.failcnt').trim() || 0),
    };
  }

  cpuStats(): CpuStats {
    const stat = readOr(this.dirs.cpu, 'cpu.stat');
    // cpuacct may be co-mounted with cpu; its usage is in nanoseconds.
    const usageNs = Number(readOr(this.dirs.cpu, 'cpuacct.usage').trim() || 0);
    return { usageMicros: Math.round(usageNs / 1000), throttledPeriods: field(stat, 'nr_throttled'), throttledMicros: Math.round(field(stat, 'throttled_time') / 1000) };
  }

  destroySync(waitMs = 5_000): boolean {
    return killUntilGone(
      () => killAll(this.pids()),
      () => this.pids(),
      () => Object.values(this.dirs).reduce((ok, dir) => removeTree(dir) && ok, true),
      waitMs,
    );
  }
}
