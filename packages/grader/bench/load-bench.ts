import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRADER_ROOT, REPO_ROOT } from '../src/paths.ts';
import { benchGrade, type GradeSample } from './grade-bench.ts';

/** Something that loads the machine beside the measured grades, stopped by the pids it started. */
export interface Load {
  readonly label: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** `count` processes that each keep one core busy (a tight loop, no I/O). */
export function cpuHogs(count: number): Load {
  const hogs = Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return {
    label: `${count} CPU hog${count === 1 ? '' : 's'}`,
    async stop() {
      for (const hog of hogs) hog.kill('SIGKILL');
      await Promise.all(hogs.map(exited));
    },
  };
}

/**
 * Other grades running beside the measured one, each on its own infrastructure, one after the
 * other for every target named until stopped (a grade in progress is stopped with SIGTERM, after
 * which the grader stops what it started).
 */
export function gradesBeside(targets: readonly string[]): Load {
  let stopping = false;
  const current = new Set<ChildProcess>();
  const dir = mkdtempSync(join(tmpdir(), 'grader-bench-beside-'));
  const loops = targets.map(async (target, i) => {
    for (let n = 0; !stopping; n++) {
      const child = spawn(process.execPath, [join(GRADER_ROOT, 'bin/grader.js'), 'run', '--target', target, '--infra', 'local', '--run-dir', join(dir, `${i}-${n}`)], {
        stdio: 'ignore',
        env: { ...process.env, CI: '1' },
      });
      current.add(child);
      await exited(child);
      current.delete(child);
    }
  });
  return {
    label: `grades of ${targets.join(' and ')} beside it`,
    async stop() {
      stopping = true;
      for (const child of current) child.kill('SIGTERM');
      await Promise.all(loops);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `grader batch` of the fixture batch (examples/submissions) beside the measured grades, again and again until stopped. */
export function batchBeside(): Load {
  let stopping = false;
  let current: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'grader-bench-batch-beside-'));
  const loop = (async () => {
    for (let n = 0; !stopping; n++) {
      const child = spawn(process.execPath, [join(GRADER_ROOT, 'bin/grader.js'), 'batch', '--submissions', join(REPO_ROOT, 'examples/submissions'), '--out', join(dir, String(n)), '--infra', 'local'], {
        stdio: 'ignore',
        env: { ...process.env, CI: '1' },
      });
      current = child;
      await exited(child);
      current = undefined;
    }
  })();
  return {
    label: 'a batch of the fixtures beside it',
    async stop() {
      stopping = true;
      current?.kill('SIGTERM');
      await loop;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Several loads at once, stopped together. */
export function together(...loads: Load[]): Load {
  return {
    label: loads.map((l) => l.label).join(', '),
    async stop() {
      await Promise.all(loads.map((l) => l.stop()));
    },
  };
}

export interface LoadResult {
  readonly load: string;
  readonly target: string;
  readonly grades: readonly GradeSample[];
  /** Grades that ended without a report (an exit 2 under load is a finding, not a crash of the bench). */
  readonly errors: readonly string[];
  /** Of `errors`, grades that said MACHINE_STARVED: no verdict, which the overload goal allows. */
  readonly inconclusive: number;
}

/** `runs` grades of each target while `load` runs. */
export async function gradeUnderLoad(makeLoad: () => Load, targets: readonly string[], runs: number, onGrade: (target: string, g: GradeSample) => void): Promise<LoadResult[]> {
  const load = makeLoad();
  try {
    const results: LoadResult[] = [];
    for (const target of targets) {
      const grades: GradeSample[] = [];
      const errors: string[] = [];
      for (let i = 0; i < runs; i++) {
        try {
          const g = await benchGrade(target);
          grades.push(g);
          onGrade(target, g);
        } catch (error) {
          errors.push((error as Error).message);
          console.log(`- ${target}: ${(error as Error).message}`);
        }
      }
      results.push({ load: load.label, target, grades, errors, inconclusive: errors.filter((e) => e.includes('MACHINE_STARVED')).length });
    }
    return results;
  } finally {
    await load.stop();
  }
}
