import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cgroup } from '../src/sandbox/cgroup.ts';
import { DEFAULT_LIMITS, Sandbox } from '../src/sandbox/sandbox.ts';
import type { LaunchedProcess } from '../src/target/launcher.ts';

/** One limit, reached on purpose, as the kernel reported it. */
export interface LimitSample {
  readonly limit: string;
  readonly what: string;
  readonly measured: string;
  readonly ms: number;
}

async function ended(launched: LaunchedProcess): Promise<{ signal: NodeJS.Signals | null; limit: string | undefined }> {
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => launched.child.once('close', (c, s) => resolve([c, s])));
  const status = launched.exitStatus(code, signal);
  const limit = launched.limitHit();
  launched.release();
  return { signal: status.signal, limit };
}

/**
 * Reaches the memory, process and CPU limits of a sandbox on purpose (small limits, so each takes
 * a second or two) and reports what the kernel counted: the figures docs/security.md
 * gives per cgroup version. Returns the backend and one sample per limit.
 */
export async function benchLimits(): Promise<{ backend: string; samples: LimitSample[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'grader-bench-limits-'));
  chmodSync(dir, 0o755);
  const limits = { ...DEFAULT_LIMITS, memoryMiB: 128, totalMemoryMiB: 512, pids: 32, totalPids: 256, cpus: 0.5 };
  const sandbox = new Sandbox({ target: { name: 'limits', dir, start: { argv: ['true'] }, source: 'target.json' }, limits }).start();
  const samples: LimitSample[] = [];
  const launch = (argv: string[]): LaunchedProcess => sandbox.launcher.launch(argv, { kind: 'replica', name: 'limits', env: {}, ports: [] });
  try {
    let started = Date.now();
    const hog = await ended(launch(['node', '-e', 'const kept = []; for (;;) kept.push(Buffer.alloc(8 << 20, 1));']));
    samples.push({ limit: `memory ${limits.memoryMiB} MiB`, what: 'node allocating 8 MiB buffers without end', measured: `${hog.signal ?? 'no signal'}; ${hog.limit ?? 'no limit reported'}`, ms: Date.now() - started });
    started = Date.now();
    const bomb = await ended(launch(['sh', '-c', 'i=0; while [ $i -lt 100 ]; do sleep 5 & i=$((i+1)); done 2>/dev/null; kill $(jobs -p) 2>/dev/null; exit 0']));
    samples.push({ limit: `processes ${limits.pids}`, what: 'sh starting 100 sleeps', measured: bomb.limit ?? 'no limit reported', ms: Date.now() - started });
    const group = Cgroup.at(sandbox.spec.cgroup);
    const before = group.cpuStats();
    started = Date.now();
    await ended(launch(['node', '-e', 'const end = Date.now() + 3000; while (Date.now() < end);']));
    const wall = Date.now() - started;
    const after = group.cpuStats();
    const used = after.usageMicros - before.usageMicros;
    samples.push({
      limit: `CPU ${limits.cpus}`,
      what: 'node spinning for 3 s of wall time',
      measured: `throttled in ${after.throttledPeriods - before.throttledPeriods} periods for ${Math.round((after.throttledMicros - before.throttledMicros) / 1000)} ms${used > 0 ? `; used ${Math.round(used / 1000)} ms of CPU in ${wall} ms (${(used / 1000 / wall).toFixed(2)} CPUs)` : ''}`,
      ms: wall,
    });
    return { backend: sandbox.spec.tools.cgroupRoot.backend, samples };
  } finally {
    sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
