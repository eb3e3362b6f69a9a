import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { Cgroup, ownCgroupDirs, ownUnifiedDir, readOnlyCgroupMounts } from './cgroup.ts';

const MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '36 31 0:33 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '40 31 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const CGROUP = ['8:pids:/', '4:memory:/process_api/ab12', '1:cpu:/', '0::/'].join('\n');

/** A fake cgroup: directories with the files the kernel would show. */
function fakeGroup(files: Record<string, string>): Record<'memory' | 'pids' | 'cpu', string> {
  const root = tempDir('grader-cgroup-test-');
  const dirs = { memory: join(root, 'memory', 'g'), pids: join(root, 'pids', 'g'), cpu: join(root, 'cpu', 'g') };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cgroup.procs'), '');
  }
  for (const [name, text] of Object.entries(files)) {
    const controller = name.split('.')[0] as 'memory' | 'pids' | 'cpu';
    writeFileSync(join(dirs[controller], name), text);
  }
  return dirs;
}

describe('ownCgroupDirs', () => {
  it('joins each controller’s mount point with this process’s path in it', () => {
    expect(ownCgroupDirs(MOUNTINFO, CGROUP)).toEqual({
      memory: '/sys/fs/cgroup/memory/process_api/ab12',
      pids: '/sys/fs/cgroup/pids/',
      cpu: '/sys/fs/cgroup/cpu/',
    });
  });

  it('finds the groups of a container whose mounts show only its own subtree (mountinfo root)', () => {
    const mountinfo = [
      '700 690 0:33 /docker/ab12 /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory',
      '701 690 0:36 /docker/ab12 /sys/fs/cgroup/pids ro,nosuid - cgroup cgroup rw,pids',
      '702 690 0:29 /docker/ab12 /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct',
    ].join('\n');
    const cgroups = ['8:pids:/docker/ab12', '4:memory:/docker/ab12/sub', '1:cpu,cpuacct:/docker/ab12', '0::/'].join('\n');
    expect(ownCgroupDirs(mountinfo, cgroups)).toEqual({ memory: '/sys/fs/cgroup/memory/sub', pids: '/sys/fs/cgroup/pids', cpu: '/sys/fs/cgroup/cpu,cpuacct' });
  });

  it('is undefined without a v1 hierarchy for every controller (cgroup v2 only)', () => {
    expect(ownCgroupDirs('40 31 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '0::/')).toBeUndefined();
  });
});

describe('ownUnifiedDir', () => {
  it('joins the cgroup2 mount with this process\'s path, on a host and in a namespace', () => {
    expect(ownUnifiedDir('25 21 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate', '0::/system.slice/grader.service')).toBe('/sys/fs/cgroup/system.slice/grader.service');
    expect(ownUnifiedDir('25 21 0:22 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw', '0::/')).toBe('/sys/fs/cgroup/');
    // The hybrid mount of a v1 host counts too; v1 is preferred by the caller.
    expect(ownUnifiedDir(MOUNTINFO, CGROUP)).toBe('/sys/fs/cgroup/unified/');
  });

  it('is undefined where no cgroup2 mount holds this process (outside a namespace\'s root)', () => {
    expect(ownUnifiedDir('25 21 0:22 /kubepods/x /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '0::/system.slice/other')).toBeUndefined();
    expect(ownUnifiedDir('25 21 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw', '0::/')).toBeUndefined();
  });
});

describe('readOnlyCgroupMounts', () => {
  it('names the read-only cgroup mounts that hold the given groups, once each (a container\'s)', () => {
    const mountinfo = [
      '700 690 0:33 / /sys/fs/cgroup/memory ro,nosuid,nodev - cgroup cgroup rw,memory',
      '701 690 0:36 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids',
      '702 690 0:29 / /sys/fs/cgroup/cpu ro,nosuid - cgroup cgroup rw,cpu',
      '703 690 0:30 / /sys/fs/cgroup/cpuacct ro,nosuid - cgroup cgroup rw,cpuacct',
    ].join('\n');
    expect(readOnlyCgroupMounts(['/sys/fs/cgroup/memory/', '/sys/fs/cgroup/pids/', '/sys/fs/cgroup/cpu/a', '/sys/fs/cgroup/memory/b'], mountinfo)).toEqual(['/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu']);
    expect(readOnlyCgroupMounts(['/sys/fs/cgroup/'], '25 21 0:22 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw')).toEqual(['/sys/fs/cgroup']);
    expect(readOnlyCgroupMounts(['/sys/fs/cgroup/'], '25 21 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw')).toEqual([]);
  });
});

describe('Cgroup v2', () => {
  /** A fake unified group with the files the kernel would show. */
  function fakeUnified(files: Record<string, string> = {}): string {
    const dir = join(tempDir('grader-cgroup2-test-'), 'g');
    mkdirSync(dir);
    for (const [name, text] of Object.entries({ 'cgroup.procs': '', 'cgroup.subtree_control': '', ...files })) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('enables what the limits need in the parent, then writes memory.max (no swap), pids.max and cpu.max; an OOM kills the group only where asked', () => {
    const parent = fakeUnified({ 'cgroup.subtree_control': 'memory' });
    const child = join(parent, 'child');
    const group = Cgroup.create({ unified: parent }, 'child', { memoryBytes: 1024, pids: 64, cpus: 1.75, oomGroup: true });
    // A real kernel would show the result of '+pids +cpu' here; the fake keeps what was written.
    expect(readFileSync(join(parent, 'cgroup.subtree_control'), 'utf8')).toBe('+pids +cpu');
    expect(readFileSync(join(child, 'memory.max'), 'utf8')).toBe('1024');
    expect(readFileSync(join(child, 'memory.oom.group'), 'utf8')).toBe('1');
    expect(readFileSync(join(child, 'pids.max'), 'utf8')).toBe('64');
    expect(readFileSync(join(child, 'cpu.max'), 'utf8')).toBe('175000 100000');
    expect(group.procsFiles).toEqual([join(child, 'cgroup.procs')]);
    expect(group.version).toBe(2);
    Cgroup.create({ unified: parent }, 'whole', { memoryBytes: 1024 });
    expect(existsSync(join(parent, 'whole', 'memory.oom.group'))).toBe(false);
  });

  it('reads its own events (the .local files), not its descendants\'', () => {
    const dir = fakeUnified({
      'memory.events': 'low 0\nhigh 0\nmax 90\noom 3\noom_kill 3\noom_group_kill 1\n',
      'memory.events.local': 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n',
      'pids.events': 'max 5\n',
      'cpu.stat': 'usage_usec 500000\nuser_usec 1\nsystem_usec 2\nnr_periods 10\nnr_throttled 4\nthrottled_usec 30000\n',
    });
    const group = Cgroup.at({ unified: dir });
    expect(group.events()).toEqual({ oomKills: 0, limitOoms: 1, pidsMaxHits: 5, memoryLimitHits: 12 });
    expect(group.cpuStats()).toEqual({ usageMicros: 500000, throttledPeriods: 4, throttledMicros: 30000 });
    expect(Cgroup.at({ unified: '/nonexistent/g' }).events()).toEqual({ oomKills: 0, limitOoms: 0, pidsMaxHits: 0, memoryLimitHits: 0 });
  });
});

describe('Cgroup', () => {
  it('reads OOM kills, refused forks and memory limit hits from the kernel’s files', () => {
    const group = Cgroup.at(fakeGroup({ 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n', 'pids.events': 'max 17\n', 'memory.failcnt': '40\n' }));
    expect(group.events()).toEqual({ oomKills: 2, limitOoms: 0, pidsMaxHits: 17, memoryLimitHits: 40 });
  });

  it('reports no events where the files are missing (a cgroup already removed)', () => {
    expect(Cgroup.at({ memory: '/nonexistent/m', pids: '/nonexistent/p', cpu: '/nonexistent/c' }).events()).toEqual({ oomKills: 0, limitOoms: 0, pidsMaxHits: 0, memoryLimitHits: 0 });
  });

  it('writes the limits it is created with (CPUs as a CFS quota of the period)', () => {
    const root = fakeGroup({});
    writeFileSync(join(root.cpu, 'cpu.cfs_period_us'), '100000\n');
    for (const dir of Object.values(root)) mkdirSync(join(dir, 'child'));
    // A real cgroupfs makes this file in every new group; the fake one needs it written.
    writeFileSync(join(root.cpu, 'child', 'cpu.cfs_period_us'), '100000\n');
    const group = Cgroup.create(root, 'child', { memoryBytes: 1024, pids: 64, cpus: 1.5 });
    expect(readFileSync(join(root.memory, 'child', 'memory.limit_in_bytes'), 'utf8')).toBe('1024');
    expect(readFileSync(join(root.pids, 'child', 'pids.max'), 'utf8')).toBe('64');
    expect(readFileSync(join(root.cpu, 'child', 'cpu.cfs_quota_us'), 'utf8')).toBe('150000');
    expect(group.procsFiles).toEqual(['memory', 'pids', 'cpu'].map((c) => join(root[c as 'cpu'], 'child', 'cgroup.procs')));
  });

  it('lists the pids of the group and of every group below it', () => {
    const dirs = fakeGroup({});
    writeFileSync(join(dirs.pids, 'cgroup.procs'), '10\n11\n');
    mkdirSync(join(dirs.pids, 'replica'));
    writeFileSync(join(dirs.pids, 'replica', 'cgroup.procs'), '12\n');
    expect(Cgroup.at(dirs).pids().sort()).toEqual([10, 11, 12]);
  });
});
