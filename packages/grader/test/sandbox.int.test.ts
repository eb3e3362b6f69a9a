import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cgroup } from '../src/sandbox/cgroup.ts';
import { DEFAULT_LIMITS, Sandbox, type StartedSandbox } from '../src/sandbox/sandbox.ts';
import { SandboxLauncher } from '../src/sandbox/sandbox-launcher.ts';
import { LaunchFailure, type LaunchedProcess } from '../src/target/launcher.ts';
import { Replica } from '../src/target/replica.ts';
import { commandArgv, resolveTarget, type TargetSpec } from '../src/target/target-spec.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { eventually, sandboxedProcesses, sandboxLeftovers } from './helpers/processes.ts';
import { tempDir } from './helpers/temp-dirs.ts';

const HOSTILE = join(REPO_ROOT, 'packages/grader/test/hostile');

/** Output, exit and the limit it ran into (read before its cgroup goes) of a sandboxed command. */
async function run(launched: LaunchedProcess): Promise<{ out: string; code: number | null; signal: NodeJS.Signals | null; limit: string | undefined }> {
  let out = '';
  launched.child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  launched.child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => launched.child.once('close', (c, s) => resolve([c, s])));
  const status = launched.exitStatus(code, signal);
  const limit = launched.limitHit();
  launched.release();
  return { out, ...status, limit };
}

describe('the sandbox (real bubblewrap, pasta and cgroups; no servers)', () => {
  let dir: string;
  let target: TargetSpec;
  let sandbox: StartedSandbox;
  let launcher: SandboxLauncher;

  beforeAll(() => {
    dir = tempDir('grader-sbx-test-target-');
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'original.txt'), 'untouched');
    target = { name: 'probe', dir, start: { argv: ['true'] }, source: 'target.json' };
    sandbox = new Sandbox({ target }).start();
    launcher = sandbox.launcher;
  });

  afterAll(() => {
    sandbox?.stop();
  });

  const launch = (script: string, ports: number[] = []): LaunchedProcess => launcher.launch(['sh', '-c', script], { kind: 'replica', name: 'probe', env: { SECRET_OF_THE_TEST: 'x' }, ports });

  it('runs the target in its copy, as a uid of its own, seeing only its own processes', async () => {
    const { out, code } = await run(launch('cat original.txt; echo; echo changed > original.txt; pwd; ls /proc | grep -c "^[0-9]"'));
    const [content, cwd, processes] = out.split('\n');
    expect(code).toBe(0);
    expect(content).toBe('untouched');
    expect(cwd).toBe(dir);
    // sh, ls, grep and bwrap's init: nothing of the machine.
    expect(Number(processes)).toBeLessThan(6);
    expect(readFileSync(join(dir, 'original.txt'), 'utf8')).toBe('untouched');
  });

  it('passes the target only its own variables on a fixed base', async () => {
    const { out } = await run(launch('env'));
    expect(out).toMatch(/^SECRET_OF_THE_TEST=x$/m);
    expect(out).toMatch(/^HOME=\/root$/m);
    for (const name of Object.keys(process.env).filter((n) => /TOKEN|SECRET|GRADER|VITEST/.test(n))) expect(out).not.toMatch(new RegExp(`^${name}=`, 'm'));
  });

  it('delivers SIGTERM to the target, which may exit 0 on it', async () => {
    const launched = launch('trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done');
    await launched.started;
    const result = run(launched);
    await eventually(() => sandboxedProcesses().some((p) => p.cmd.includes('sleep')), 5_000);
    // On the host, the target runs as the submission's uid.
    expect(sandboxedProcesses().filter((p) => p.cmd.includes('sleep')).map((p) => p.uid)).toContain(sandbox.spec.uid);
    launched.signal('SIGTERM');
    const { out, code, signal } = await result;
    expect(out).toContain('got TERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it('reports a target killed by a signal as that signal', async () => {
    const launched = launch('sleep 600');
    await launched.started;
    const result = run(launched);
    await eventually(() => sandboxedProcesses().some((p) => p.cmd.includes('sleep 600')), 5_000);
    launched.signal('SIGTERM');
    expect((await result).signal).toBe('SIGTERM');
  });

  it('a replica that ignores SIGTERM and daemonises is killed whole after the grace period', async () => {
    const replica = new Replica(
      'r1',
      { launcher, argv: ['sh', '-c', "trap '' TERM; setsid sh -c \"trap '' TERM; sleep 600\" & (sleep 600 &); while :; do sleep 0.1; done"], env: {}, name: 'immune', ports: [] },
      join(tempDir('grader-sbx-test-log-'), 'r1.log'),
    ).start();
    await eventually(() => sandboxedProcesses().filter((p) => p.cmd.includes('sleep 600')).length >= 2, 5_000);
    const stop = await replica.stop(1_000);
    expect(stop.graceful).toBe(false);
    await replica.close();
    expect(await eventually(() => sandboxedProcesses().length === 0, 5_000), sandboxedProcesses().map((p) => p.cmd).join(', ')).toBe(true);
  });

  it('forwards only the given loopback ports of the host', async () => {
    const servers = await Promise.all([0, 1].map(() => new Promise<Server>((resolve) => {
      const server = createServer((socket) => socket.end('hello'));
      server.listen(0, '127.0.0.1', () => resolve(server));
    })));
    const [allowed, other] = servers.map((s) => (s.address() as AddressInfo).port) as [number, number];
    try {
      const probe = `for (const p of [${allowed}, ${other}]) await new Promise((r) => { const s = require('net').connect(p, '127.0.0.1'); s.on('data', () => { console.log('open', p); s.destroy(); r(); }); s.on('error', () => { console.log('closed', p); r(); }); });`;
      const { out } = await run(launcher.launch(['node', '-e', `(async () => { ${probe} })()`], { kind: 'replica', name: 'ports', env: {}, ports: [allowed] }));
      expect(out).toContain(`open ${allowed}`);
      expect(out).toContain(`closed ${other}`);
    } finally {
      for (const server of servers) server.close();
    }
  });

  it('a sandbox that cannot be set up is the grader\'s failure (LaunchFailure), not the target\'s', async () => {
    const broken = new SandboxLauncher({ ...sandbox.spec, tools: { ...sandbox.spec.tools, bwrap: '/nonexistent/bwrap' } });
    const launched = broken.launch(['true'], { kind: 'replica', name: 'broken', env: {}, ports: [] });
    const result = run(launched);
    await expect(launched.started).rejects.toBeInstanceOf(LaunchFailure);
    expect((await result).out).toMatch(/execvp: No such file or directory|exec: \/nonexistent\/bwrap: not found/);
  });

  it('stop() removes the disk, the cgroups and every process', async () => {
    const other = new Sandbox({ target }).start();
    const launched = other.launcher.launch(['sleep', '600'], { kind: 'replica', name: 'left', env: {}, ports: [] });
    await launched.started;
    other.stop();
    expect(existsSync(other.spec.root)).toBe(false);
    expect(await eventually(() => sandboxedProcesses().every((p) => p.uid !== other.spec.uid), 5_000)).toBe(true);
  });

  it('a submission that cannot be copied in (too big for the disk, a FIFO) is its own failure, not the grader\'s', () => {
    const big = tempDir('grader-sbx-test-big-');
    chmodSync(big, 0o755);
    // Sparse on the host, 1100 MiB of zeros once copied: more than the 1024 MiB disk.
    writeFileSync(join(big, 'big.bin'), '');
    truncateSync(join(big, 'big.bin'), 1100 * 1024 * 1024);
    const tooBig = new Sandbox({ target: { ...target, dir: big } }).start();
    tooBig.stop();
    expect(tooBig.copyFailure).toBe("the target directory does not fit the sandbox's disk of 1024 MiB");
    const odd = tempDir('grader-sbx-test-fifo-');
    execFileSync('mkfifo', [join(odd, 'pipe')]);
    const withFifo = new Sandbox({ target: { ...target, dir: odd } }).start();
    withFifo.stop();
    expect(withFifo.copyFailure).toMatch(/^the target directory could not be copied into the sandbox: .*FIFO/);
  });

  it('mounts a warm Go cache read-only below a layer of its own disk: reads it, writes only its own copy', async () => {
    // What warm-go-cache.ts leaves: a root-only parent, directories open to every uid, files root's.
    const parent = tempDir('grader-sbx-test-gocache-');
    const cache = { build: join(parent, 'build'), mod: join(parent, 'mod') };
    for (const d of [join(cache.build, 'ab'), join(cache.mod, 'example.com')]) mkdirSync(d, { recursive: true, mode: 0o777 });
    writeFileSync(join(cache.build, 'ab', 'entry-d'), 'compiled');
    chmodSync(join(cache.build, 'ab'), 0o777);
    chmodSync(join(cache.mod, 'example.com'), 0o777);
    const withCache = new Sandbox({ target, goCache: cache }).start();
    try {
      const script = 'cat /root/.cache/go-build/ab/entry-d; echo; echo mine > /root/.cache/go-build/ab/new-d && echo wrote; mkdir /root/go/pkg/mod/example.com/m@v1 && echo added; echo x >> /root/.cache/go-build/ab/entry-d || echo denied';
      const { out, code } = await run(withCache.launcher.launch(['sh', '-c', script], { kind: 'build', name: 'build', env: {} }));
      expect(code).toBe(0);
      expect(out.split('\n').slice(0, 4)).toEqual(['compiled', 'wrote', 'added', expect.stringMatching(/Permission denied|denied/)]);
      // The machine's cache is as it was; the writes are on the submission's disk.
      expect(readdirSync(join(cache.build, 'ab')).sort()).toEqual(['entry-d']);
      expect(readdirSync(join(cache.mod, 'example.com'))).toEqual([]);
      expect(readFileSync(join(cache.build, 'ab', 'entry-d'), 'utf8')).toBe('compiled');
      expect(readFileSync(join(withCache.spec.root, '.go-cache', 'build', 'upper', 'ab', 'new-d'), 'utf8')).toBe('mine\n');
      // Its replicas see the same cache as its build.
      const replica = await run(withCache.launcher.launch(['cat', '/root/.cache/go-build/ab/new-d'], { kind: 'replica', name: 'r', env: {}, ports: [] }));
      expect(replica.out).toBe('mine\n');
    } finally {
      withCache.stop();
    }
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(withCache.spec.root);
    expect(existsSync(withCache.spec.root)).toBe(false);
  });

  it('a Go cache that cannot be mounted leaves the build a cold cache, not a failure', async () => {
    const warned: string[] = [];
    const logger = { info: () => undefined, progress: () => undefined, warn: (m: string) => void warned.push(m) };
    const cold = new Sandbox({ target, logger, goCache: { build: '/nonexistent/go-build', mod: '/nonexistent/mod' } }).start();
    try {
      const { out, code } = await run(cold.launcher.launch(['sh', '-c', 'echo x > /root/.cache/go-build/entry && ls /root/.cache/go-build'], { kind: 'build', name: 'build', env: {} }));
      expect({ out, code }).toEqual({ out: 'entry\n', code: 0 });
      expect(warned.join('\n')).toMatch(/the warm Go cache could not be mounted for probe \(.*\); its build starts cold/);
    } finally {
      cold.stop();
    }
  });

  it('adds given dependencies to the copy of a target that has none, writable by it; never over its own', async () => {
    const deps = tempDir('grader-sbx-test-deps-');
    mkdirSync(join(deps, 'left-pad'), { recursive: true });
    writeFileSync(join(deps, 'left-pad', 'index.js'), 'task');
    const added = new Sandbox({ target, dependencies: deps }).start();
    try {
      const { out, code } = await run(added.launcher.launch(['sh', '-c', 'cat node_modules/left-pad/index.js; echo; echo mine > node_modules/left-pad/index.js && cat node_modules/left-pad/index.js'], { kind: 'build', name: 'build', env: {} }));
      expect({ out, code }).toEqual({ out: 'task\nmine\n', code: 0 });
      // The target wrote its copy: neither the given folder nor the target's own changed.
      expect(readFileSync(join(deps, 'left-pad', 'index.js'), 'utf8')).toBe('task');
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    } finally {
      added.stop();
    }
    const own = tempDir('grader-sbx-test-own-');
    chmodSync(own, 0o755);
    mkdirSync(join(own, 'node_modules'));
    writeFileSync(join(own, 'node_modules', 'own.js'), 'own');
    const kept = new Sandbox({ target: { ...target, dir: own }, dependencies: deps }).start();
    try {
      const { out } = await run(kept.launcher.launch(['ls', 'node_modules'], { kind: 'build', name: 'build', env: {} }));
      expect(out).toBe('own.js\n');
    } finally {
      kept.stop();
    }
  });

  it('names the cgroup backend in its containment line: the version this host has', () => {
    const v1 = /^\d+:[^:]*\bmemory\b[^:]*:/m.test(readFileSync('/proc/self/cgroup', 'utf8'));
    expect(sandbox.describe()).toMatch(v1 ? /; cgroup v1; memory 2048 MiB per process/ : /; cgroup v2, [^;]+; memory 2048 MiB per process/);
  });

  describe('limits, on whichever cgroup version the host has', () => {
    // Small limits, so that each is reached in a second or two (also on a slow one-CPU guest).
    const limits = { ...DEFAULT_LIMITS, memoryMiB: 160, totalMemoryMiB: 512, pids: 48, totalPids: 256, cpus: 0.5, diskMiB: 32 };
    let small: StartedSandbox;
    beforeAll(() => {
      small = new Sandbox({ target, limits }).start();
    });
    afterAll(() => small?.stop());
    const launchSmall = (argv: string[]): LaunchedProcess => small.launcher.launch(argv, { kind: 'replica', name: 'limits', env: {}, ports: [] });

    it('a memory hog is killed by the kernel at its memory limit, and the report says so', async () => {
      const { signal, limit } = await run(launchSmall(['node', '-e', 'const kept = []; for (;;) kept.push(Buffer.alloc(8 << 20, 1));']));
      expect(signal).toBe('SIGKILL');
      expect(limit).toMatch(/^memory limit of 160 MiB reached: the kernel killed \d+ process\(es\)/);
    });

    it('a fork bomb has its forks refused at the process limit, and the report says so', async () => {
      const { out, limit } = await run(launchSmall(['sh', '-c', 'i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done 2>&1 | head -1; kill $(jobs -p) 2>/dev/null; exit 0']));
      expect(out).toMatch(/fork|Resource temporarily unavailable|Cannot/i);
      expect(limit).toMatch(/^process limit of 48 reached: \d+ fork\(s\) refused/);
    });

    it('a busy loop gets the CPU quota of the submission, no more: the kernel throttles it', async () => {
      const before = Cgroup.at(small.spec.cgroup).cpuStats();
      const { code } = await run(launchSmall(['node', '-e', 'const end = Date.now() + 1500; while (Date.now() < end);']));
      expect(code).toBe(0);
      const after = Cgroup.at(small.spec.cgroup).cpuStats();
      expect(after.throttledPeriods - before.throttledPeriods).toBeGreaterThan(0);
      expect(after.throttledMicros - before.throttledMicros).toBeGreaterThan(100_000);
    });

    it('a disk filler meets the end of its disk, and the report says so', async () => {
      const { code, limit } = await run(launchSmall(['sh', '-c', 'dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>/dev/null; echo done']));
      expect(code).toBe(0);
      expect(limit).toMatch(/disk limit of 32 MiB reached/);
    });
  });

  describe('the hostile fixtures that go for the limits, each in a sandbox of its own', () => {
    const limits = { ...DEFAULT_LIMITS, memoryMiB: 192, totalMemoryMiB: 512, pids: 64, totalPids: 256, diskMiB: 48 };
    /** Starts the fixture's own command as a replica; returns it, its sandbox and its log. */
    function startFixture(name: string): { replica: Replica; box: StartedSandbox; log: () => string } {
      const fixture = resolveTarget(join(HOSTILE, name));
      const box = new Sandbox({ target: fixture, limits }).start();
      const logFile = join(tempDir('grader-sbx-hostile-'), 'r1.log');
      const replica = new Replica('r1', { launcher: box.launcher, argv: commandArgv(fixture.start), env: { INSTANCE_ID: 'r1' }, name, ports: [] }, logFile).start();
      return { replica, box, log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') };
    }
    /** What is left of one sandbox: its processes, cgroups, mount and disk. */
    function leftoversOf(box: StartedSandbox): string[] {
      return [
        ...sandboxedProcesses().filter((p) => p.uid === box.spec.uid).map((p) => `process ${p.pid} (${p.cmd})`),
        ...Object.values<string>(box.spec.cgroup).filter((dir) => existsSync(dir)).map((dir) => `cgroup ${dir}`),
        ...(readFileSync('/proc/self/mountinfo', 'utf8').includes(box.spec.root) ? [`mount ${box.spec.root}`] : []),
        ...(existsSync(box.spec.root) ? [`dir ${box.spec.root}`] : []),
      ];
    }
    /** Stops it as a grade does (SIGTERM, then the cgroup), then checks nothing of it is left. */
    async function stopAndCheck(replica: Replica, box: StartedSandbox): Promise<void> {
      await replica.stop(1_000);
      await replica.close();
      box.stop();
      expect(await eventually(() => leftoversOf(box).length === 0, 10_000), leftoversOf(box).join(', ')).toBe(true);
    }

    it('memory-hog: the kernel kills it at its memory limit; the reason names the limit', async () => {
      const { replica, box } = startFixture('memory-hog');
      const exit = await replica.exited();
      expect(exit.signal).toBe('SIGKILL');
      expect(replica.limitHit()).toMatch(/^memory limit of 192 MiB reached: the kernel killed \d+ process\(es\)/);
      await stopAndCheck(replica, box);
    });

    it('fork-bomb: its forks are refused at the process limit, and it is killed whole', async () => {
      const { replica, box, log } = startFixture('fork-bomb');
      expect(await eventually(() => /fork-bomb was refused after \d+ processes \(EAGAIN\)/.test(log()), 60_000), log()).toBe(true);
      expect(replica.limitHit()).toMatch(/^process limit of 64 reached: \d+ fork\(s\) refused/);
      await stopAndCheck(replica, box);
    });

    it('disk-filler: it meets the end of its disk, in its directory and in /tmp', async () => {
      const { replica, box, log } = startFixture('disk-filler');
      expect((await replica.exited()).code).toBe(3);
      expect(log()).toMatch(/disk-filler wrote (3\d|4\d) MiB before ENOSPC/);
      expect(replica.limitHit()).toMatch(/disk limit of 48 MiB reached/);
      await stopAndCheck(replica, box);
    });

    it('sigterm-immune: daemons in new sessions that ignore SIGTERM are killed with their cgroup', async () => {
      const { replica, box, log } = startFixture('sigterm-immune');
      expect(await eventually(() => log().includes('ignores SIGTERM') && sandboxedProcesses().filter((p) => p.cmd.includes('sleep 100000')).length >= 6, 60_000)).toBe(true);
      const stop = await replica.stop(1_000);
      expect(stop.graceful).toBe(false);
      await stopAndCheck(replica, box);
    });
  });

  it('nothing is left once the sandbox stops', async () => {
    sandbox.stop();
    expect(await eventually(() => sandboxLeftovers().length === 0, 5_000), sandboxLeftovers().join(', ')).toBe(true);
  });
});
