import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from './cleanup.ts';
import { SessionRegistry } from './session-registry.ts';
import { tempDir } from '../../../test/helpers/temp-dirs.ts';

const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A pid that certainly belongs to no running process: a child that already exited. */
function deadPid(): number {
  return spawnSync('true').pid;
}

function sleeper(dir: string): number {
  // The dir in the command line is how cleanup recognises the process.
  const child = spawn('sh', ['-c', `sleep 300 # ${dir}`], { stdio: 'ignore', detached: true });
  child.unref();
  spawned.push(child.pid ?? 0);
  return child.pid ?? 0;
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !isAlive(pid);
}

describe('SessionRegistry', () => {
  it('sweep kills processes and removes dirs of sessions whose owner died', async () => {
    const registry = new SessionRegistry(tempDir('grader-reg-'));
    const dir = tempDir('grader-sess-');
    const session = registry.create('local', deadPid());
    session.trackDir(dir);
    const untracked = sleeper(dir);
    expect(registry.list()).toHaveLength(1);
    expect(registry.sweep()).toBe(1);
    expect(await waitGone(untracked)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(registry.list()).toHaveLength(0);
  });

  it('sweep leaves sessions of live owners alone', () => {
    const registry = new SessionRegistry(tempDir('grader-reg-'));
    const dir = tempDir('grader-sess-');
    registry.create('local').trackDir(dir);
    expect(registry.sweep()).toBe(0);
    expect(existsSync(dir)).toBe(true);
  });

  it('never kills a reused pid whose command line lacks the marker', async () => {
    const registry = new SessionRegistry(tempDir('grader-reg-'));
    const other = sleeper('/not-the-marker');
    const session = registry.create('local', deadPid());
    session.trackProcess({ pid: other, group: false, marker: '/some/session/dir', what: 'kafka' });
    registry.sweep();
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(other)).toBe(true);
  });

  it('closeOwnedSync cleans only this owner’s sessions', async () => {
    const registry = new SessionRegistry(tempDir('grader-reg-'));
    const mine = tempDir('grader-sess-');
    const theirs = tempDir('grader-sess-theirs-');
    const own = registry.create('local');
    own.trackDir(mine);
    const pid = sleeper(mine);
    own.trackProcess({ pid, group: true, marker: mine, what: 'x' });
    registry.create('local', process.ppid).trackDir(theirs);
    expect(registry.closeOwnedSync()).toBe(1);
    expect(await waitGone(pid)).toBe(true);
    expect(existsSync(mine)).toBe(false);
    expect(existsSync(theirs)).toBe(true);
  });
});
