import { describe, expect, it } from 'vitest';
import { sandboxEnv, targetProcesses } from './sandbox-launcher.ts';

describe('sandboxEnv', () => {
  const grader = {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HTTPS_PROXY: 'http://proxy:3128',
    GOPROXY: 'https://proxy.golang.org',
    HOME: '/root',
    GITHUB_TOKEN: 'ghp_secret',
    AWS_SECRET_ACCESS_KEY: 'secret',
    GRADER_CACHE_DIR: '/root/.cache/inventory-grader',
    KAFKA_HOME: '/opt/kafka',
  };

  it('keeps locale, proxies and registry settings, drops everything else of the grader', () => {
    const env = sandboxEnv({}, grader);
    expect(env).toMatchObject({ PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HTTPS_PROXY: 'http://proxy:3128', GOPROXY: 'https://proxy.golang.org' });
    for (const secret of ['GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'GRADER_CACHE_DIR', 'KAFKA_HOME']) expect(env).not.toHaveProperty(secret);
  });

  it('gives the sandbox its own home and /tmp, and the target’s variables the last word', () => {
    const env = sandboxEnv({ DATABASE_URL: 'postgres://r:p@127.0.0.1:5432/db', HOME: '/elsewhere' }, grader);
    expect(env.TMPDIR).toBe('/tmp');
    expect(env.DATABASE_URL).toBe('postgres://r:p@127.0.0.1:5432/db');
    expect(env.HOME).toBe('/elsewhere');
    expect(sandboxEnv({}, grader).HOME).toBe('/root');
  });
});

describe('targetProcesses', () => {
  // pasta (100) → bwrap monitor (101) → bwrap init (102) → npm (103) → sh (104) → node (105);
  // pasta's own helper (106) and a daemon the target re-parented to init (107).
  const table: Record<number, { ppid: number; comm: string }> = {
    100: { ppid: 1, comm: 'passt.avx2' },
    101: { ppid: 100, comm: 'bwrap' },
    102: { ppid: 101, comm: 'bwrap' },
    103: { ppid: 102, comm: 'npm start' },
    104: { ppid: 103, comm: 'sh' },
    105: { ppid: 104, comm: 'node' },
    106: { ppid: 100, comm: 'passt.avx2' },
    107: { ppid: 102, comm: 'sleep' },
  };
  const statOf = (pid: number): { ppid: number; comm: string } | undefined => table[pid];

  it('is everything below bwrap’s init: the target’s own processes, not the sandbox’s', () => {
    expect(targetProcesses(100, Object.keys(table).map(Number), statOf).sort()).toEqual([103, 104, 105, 107]);
  });

  it('finds nothing while the sandbox is still being set up', () => {
    expect(targetProcesses(100, [100, 101], statOf)).toEqual([]);
  });

  it('is not fooled by a target that names itself bwrap', () => {
    const fake = { ...table, 108: { ppid: 105, comm: 'bwrap' }, 109: { ppid: 108, comm: 'bwrap' } };
    expect(targetProcesses(100, Object.keys(fake).map(Number), (pid) => fake[pid as keyof typeof fake]).sort()).toEqual([103, 104, 105, 107, 108, 109]);
  });
});
