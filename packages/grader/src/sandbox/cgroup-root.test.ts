import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { silentLogger } from '../infra/infra.ts';
import { cgroupRoot, CgroupUnavailable, findDelegatedDir } from './cgroup-root.ts';

/** A fake cgroup2 mount: `groups` maps a group path to the files the kernel would show in it. */
function fakeUnified(groups: Record<string, Record<string, string>>): { mount: string; mountinfo: string } {
  const mount = tempDir('grader-cgroup-root-test-');
  for (const [path, files] of Object.entries(groups)) {
    const dir = join(mount, path);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries({ 'cgroup.procs': '', 'cgroup.subtree_control': '', ...files })) writeFileSync(join(dir, name), text);
  }
  return { mount, mountinfo: `25 21 0:22 / ${mount} rw - cgroup2 cgroup2 rw,nsdelegate` };
}

const ALL = 'cpuset cpu io memory pids';

describe('cgroupRoot', () => {
  it('uses the root group itself where the grader runs in it (it alone may hold processes and children)', () => {
    const { mount, mountinfo } = fakeUnified({ '': { 'cgroup.controllers': ALL } });
    const root = cgroupRoot(silentLogger, undefined, { mountinfo, cgroups: '0::/', systemd: false, container: false });
    expect(root).toMatchObject({ version: 2, dirs: { unified: join(mount, '/') } });
    expect(readFileSync(join(mount, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
  });

  it('without systemd, moves the processes of its own group into init/ and nests beside it (a container)', () => {
    const { mount, mountinfo } = fakeUnified({ '': {}, ctr: { 'cgroup.type': 'domain', 'cgroup.controllers': ALL, 'cgroup.procs': '1\n7\n' } });
    const said: string[] = [];
    const root = cgroupRoot({ ...silentLogger, info: (m: string) => void said.push(m) }, undefined, { mountinfo, cgroups: '0::/ctr', systemd: false, container: false });
    expect(root).toMatchObject({ version: 2, dirs: { unified: join(mount, 'ctr') }, backend: "cgroup v2, this container's own group" });
    // The fake file keeps the last pid written; a kernel would have moved both.
    expect(readFileSync(join(mount, 'ctr', 'init', 'cgroup.procs'), 'utf8')).toBe('7');
    expect(readFileSync(join(mount, 'ctr', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
    expect(said.join('\n')).toMatch(/moved into init\//);
  });

  it('reuses a group prepared before (it runs in init/ of a group that delegates memory, pids and cpu)', () => {
    const { mount, mountinfo } = fakeUnified({ '': {}, ctr: { 'cgroup.type': 'domain', 'cgroup.subtree_control': 'cpu memory pids' }, 'ctr/init': { 'cgroup.type': 'domain' } });
    expect(cgroupRoot(silentLogger, undefined, { mountinfo, cgroups: '0::/ctr/init', systemd: false, container: false }).dirs).toEqual({ unified: join(mount, 'ctr') });
  });

  it('names the controllers its group lacks, with the set-up that delegates them', () => {
    const { mountinfo } = fakeUnified({ '': {}, 'user.slice/u': { 'cgroup.type': 'domain', 'cgroup.controllers': 'memory pids' } });
    const attempt = (): unknown => cgroupRoot(silentLogger, undefined, { mountinfo, cgroups: '0::/user.slice/u', systemd: false, container: false });
    expect(attempt).toThrow(CgroupUnavailable);
    expect(attempt).toThrow(/lacks the cpu controller \(it has: memory pids\)/);
    try {
      attempt();
    } catch (error) {
      expect((error as CgroupUnavailable).hint).toMatch(/Delegate=/);
    }
  });

  it('prefers cgroup v1 where memory, pids and cpu are v1 hierarchies (a hybrid host)', () => {
    const v1 = tempDir('grader-cgroup-root-v1-');
    const lines = ['memory', 'pids', 'cpu'].map((c, i) => {
      mkdirSync(join(v1, c));
      writeFileSync(join(v1, c, 'cgroup.procs'), '');
      return `3${i} 21 0:3${i} / ${join(v1, c)} rw - cgroup cgroup rw,${c}`;
    });
    const { mountinfo } = fakeUnified({ '': {} });
    const root = cgroupRoot(silentLogger, undefined, { mountinfo: [...lines, mountinfo].join('\n'), cgroups: '8:pids:/\n4:memory:/\n1:cpu:/\n0::/', systemd: true, container: false });
    expect(root).toMatchObject({ version: 1, backend: 'cgroup v1' });
  });

  it('without any cgroup mount: says so', () => {
    expect(() => cgroupRoot(silentLogger, undefined, { mountinfo: '25 21 0:22 / /sys rw - sysfs sysfs rw', cgroups: '0::/', systemd: false, container: false })).toThrow(/no cgroup v1 hierarchy with memory, pids and cpu, and no cgroup v2 mount/);
  });

  it('rootless on cgroup v1: nests in the inventory-grader.<user> groups root delegated at or above its own, and names the set-up when there are none', () => {
    const v1 = tempDir('grader-cgroup-root-v1-');
    const lines = ['memory', 'pids', 'cpu'].map((c, i) => {
      mkdirSync(join(v1, c, 'supervisor', 'job'), { recursive: true });
      writeFileSync(join(v1, c, 'cgroup.procs'), '');
      return `3${i} 21 0:3${i} / ${join(v1, c)} rw - cgroup cgroup rw,${c}`;
    });
    const host = { mountinfo: lines.join('\n'), cgroups: '8:pids:/supervisor/job\n4:memory:/supervisor/job\n1:cpu:/supervisor/job\n0::/', systemd: false, container: false };
    expect(() => cgroupRoot(silentLogger, undefined, host, 'alice')).toThrow(/no inventory-grader.alice group it can write at or above/);
    for (const c of ['memory', 'pids', 'cpu']) {
      mkdirSync(join(v1, c, 'supervisor', 'inventory-grader.alice'));
      writeFileSync(join(v1, c, 'supervisor', 'inventory-grader.alice', 'cgroup.procs'), '');
    }
    const root = cgroupRoot(silentLogger, undefined, host, 'alice');
    expect(root).toMatchObject({ version: 1, backend: 'cgroup v1, a subtree delegated to alice', dirs: { memory: join(v1, 'memory', 'supervisor', 'inventory-grader.alice') } });
  });
});

describe('findDelegatedDir', () => {
  it('walks up to the mount point, never above it', () => {
    const seen: string[] = [];
    expect(findDelegatedDir('/cg/memory/a/b', '/cg/memory', 'u', (d) => { seen.push(d); return false; })).toBeUndefined();
    expect(seen).toEqual(['/cg/memory/a/b/inventory-grader.u', '/cg/memory/a/inventory-grader.u', '/cg/memory/inventory-grader.u']);
    expect(findDelegatedDir('/cg/memory/a/b', '/cg/memory', 'u', (d) => d === '/cg/memory/a/inventory-grader.u')).toBe('/cg/memory/a/inventory-grader.u');
  });
});
