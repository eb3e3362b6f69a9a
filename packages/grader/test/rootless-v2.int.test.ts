import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRADER_ROOT } from '../src/paths.ts';

const USER = 'rootless-v2-test';
const grader = (args: string[]): string[] => [process.execPath, join(GRADER_ROOT, 'bin/grader.js'), ...args];

// Only in tools/cgroup2-guest: it adds an account and changes /dev/net/tun, fine in a throwaway guest.
describe.runIf(process.env.CGROUP2_GUEST === '1')('rootless on cgroup v2: an ordinary user in a delegated scope grades contained', () => {
  it('after `grader sandbox delegate`, the whole chain runs as that user, nested in its own group', () => {
    if (spawnSync('id', [USER]).status !== 0) execFileSync('useradd', ['-m', USER]);
    const [node, ...delegate] = grader(['sandbox', 'delegate', '--user', USER]);
    const delegated = execFileSync(node as string, delegate, { encoding: 'utf8' });
    expect(delegated).toMatch(new RegExp(`gave ${USER} the subordinate uids and gids|${USER} has subordinate uids`));
    expect(delegated).toMatch(/Delegate=cpu cpuset io memory pids/);
    // The guest has no udev: the set-up `delegate` names for a tun device only root may open.
    chmodSync('/dev/net/tun', 0o666);
    // What a user's own manager gives with the drop-in (the guest has no login session): a group
    // whose directory and cgroup.procs, cgroup.threads and cgroup.subtree_control belong to the
    // user, with memory, pids and cpu available, the grader started in it. Root makes it in a
    // scope of its own with Delegate=yes, after moving itself into a leaf (no internal processes).
    const check = grader(['sandbox', 'check']);
    const script = [
      'set -e',
      'scope=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)',
      'mkdir "$scope/init" "$scope/user"',
      'echo $$ > "$scope/init/cgroup.procs"',
      'echo "+cpu +memory +pids" > "$scope/cgroup.subtree_control"',
      `chown ${USER}: "$scope/user" "$scope/user/cgroup.procs" "$scope/user/cgroup.threads" "$scope/user/cgroup.subtree_control"`,
      'echo $$ > "$scope/user/cgroup.procs"',
      `exec setpriv --reuid=${USER} --regid=${USER} --init-groups env HOME=/home/${USER} "$@"`,
    ].join('\n');
    const run = spawnSync('systemd-run', ['--scope', '--quiet', '--collect', '-p', 'Delegate=yes', '--', 'sh', '-c', script, 'delegated', ...check], { encoding: 'utf8', cwd: '/tmp', timeout: 300_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`sandbox ready: rootless as ${USER} .*; cgroup v2, a group delegated to ${USER};`));
    // Without the scope (a group root owns), one line naming the set-up.
    const refused = spawnSync('runuser', ['-u', USER, '--', ...check], { encoding: 'utf8', cwd: '/tmp', env: { ...process.env, HOME: `/home/${USER}` } });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/error\[SANDBOX_UNAVAILABLE\]: cannot contain targets: rootless-v2-test does not own the cgroup v2 group the grader runs in .*systemd-run --user --scope -p Delegate=yes/);
  }, 300_000);
});
