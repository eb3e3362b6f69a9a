import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRADER_ROOT } from '../src/paths.ts';

/** cgroup v2 with systemd: the host of tools/cgroup2-guest (these tests are skipped on cgroup v1). */
const v2WithSystemd = /^0::/m.test(readFileSync('/proc/self/cgroup', 'utf8')) && !/^\d+:memory:/m.test(readFileSync('/proc/self/cgroup', 'utf8')) && existsSync('/run/systemd/system');

// In tools/cgroup2-guest (CGROUP2_GUEST=1) it must run: a guest that is not what it should be fails here.
describe.runIf(v2WithSystemd || process.env.CGROUP2_GUEST === '1')('cgroup v2 without systemd, as in a container: the grader delegates its own group', () => {
  it('moves its processes into init/, enables memory, pids and cpu below, and an OOM kill beside it is seen and cleaned up', () => {
    // A scope with Delegate=yes stands in for a container's group: the grader's process sits in it.
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const out = execFileSync('systemd-run', ['--scope', '--quiet', '--collect', '-p', 'Delegate=yes', '--', process.execPath, '--import', tsx, join(GRADER_ROOT, 'test/helpers/cgroup-v2-own-group.ts')], { encoding: 'utf8', timeout: 300_000 });
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { backend: string; ownGroup: string; subtreeControl: string; hogSignal: string; events: { oomKills: number }; destroyed: boolean };
    expect(result.backend).toBe("cgroup v2, this container's own group");
    expect(result.ownGroup).toMatch(/\.scope\/init$/);
    expect(result.subtreeControl.split(' ')).toEqual(expect.arrayContaining(['memory', 'pids', 'cpu']));
    expect(result.hogSignal).toBe('SIGKILL');
    expect(result.events.oomKills).toBeGreaterThan(0);
    expect(result.destroyed).toBe(true);
  });
});
