import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { Cgroup, ownCgroupDirs } from './cgroup.ts';

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

  it('is undefined without a v1 hierarchy for every controller (cgroup v2 only)', () => {
    expect(ownCgroupDirs('40 31 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '0::/')).toBeUndefined();
  });
});

describe('Cgroup', () => {
  it('reads OOM kills, refused forks and memory limit hits from the kernel’s files', () => {
    const group = Cgroup.at(fakeGroup({ 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n', 'pids.events': 'max 17\n', 'memory.failcnt': '40\n' }));
    expect(group.events()).toEqual({ oomKills: 2, pidsMaxHits: 17, memoryLimitHits: 40 });
  });

  it('reports no events where the files are missing (a cgroup already removed)', () => {
    expect(Cgroup.at({ memory: '/nonexistent/m', pids: '/nonexistent/p', cpu: '/nonexistent/c' }).events()).toEqual({ oomKills: 0, pidsMaxHits: 0, memoryLimitHits: 0 });
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
