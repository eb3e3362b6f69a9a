import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CpuStarvation, processGroup, runQueueWaitMs, TargetDeadline, withAllowance, type CpuWaiter } from './cpu-wait.ts';

describe('runQueueWaitMs', () => {
  const files: Record<string, string> = {
    '/proc/10/task/10/schedstat': '731000000 2364000000 120\n',
    '/proc/10/task/11/schedstat': '5000000 400000000 9\n',
    '/proc/20/task/20/schedstat': '1000000 3100500000 3\n',
  };
  const read = (path: string): string | undefined => files[path];
  const list = (path: string): string[] => ({ '/proc/10/task': ['10', '11'], '/proc/20/task': ['20'] })[path] ?? [];

  it('is the wait of the most-delayed thread of all the processes, in ms', () => {
    expect(runQueueWaitMs([10, 20], read, list)).toBe(3101);
    expect(runQueueWaitMs([10], read, list)).toBe(2364);
  });

  it('is 0 for processes that are gone or unreadable', () => {
    expect(runQueueWaitMs([99], read, list)).toBe(0);
    expect(runQueueWaitMs([10], () => 'garbage', list)).toBe(0);
  });

  it('reads the real /proc: a live process has threads to read, a finished one reads as 0', () => {
    const child = spawnSync(process.execPath, ['-e', '']);
    expect(runQueueWaitMs([child.pid])).toBe(0);
    expect(Number.isInteger(runQueueWaitMs([process.pid]))).toBe(true);
    expect(processGroup(process.pid).length + processGroup(child.pid).length).toBeLessThanOrEqual(1);
  });
});

describe('processGroup', () => {
  it('finds the pids whose process group is pgid, even with spaces and parentheses in comm', () => {
    const stats: Record<string, string> = {
      '/proc/100/stat': '100 (node) S 1 100 100 0',
      '/proc/101/stat': '101 (my (odd) name) R 100 100 100 0',
      '/proc/102/stat': '102 (sh) S 1 102 102 0',
    };
    const list = (path: string): string[] => (path === '/proc' ? ['100', '101', '102', 'self', 'meminfo'] : []);
    expect(processGroup(100, (p) => stats[p], list)).toEqual([100, 101]);
  });
});

describe('CpuStarvation', () => {
  const member = (waits: number[]): { cpuWaitMs(): number } => ({ cpuWaitMs: () => waits.shift() ?? 0 });

  it('counts from the baseline for members it saw, from their start for members added later, capped', () => {
    const a = { value: 5_000, cpuWaitMs() { return this.value; } };
    const members: CpuWaiter[] = [a];
    const starvation = new CpuStarvation(() => members, 60_000);
    expect(starvation.ms()).toBe(0);
    a.value = 17_000;
    expect(starvation.ms()).toBe(12_000);
    members.push({ cpuWaitMs: () => 20_000 });
    expect(starvation.ms()).toBe(20_000);
    members.push({ cpuWaitMs: () => 500_000 });
    expect(starvation.ms()).toBe(60_000);
  });

  it('is 0 with no members and never negative', () => {
    expect(new CpuStarvation(() => []).ms()).toBe(0);
    const m = member([9_000, 1_000]);
    expect(new CpuStarvation(() => [m]).ms()).toBe(0);
  });

  it('says the allowance only when it mattered', () => {
    expect(withAllowance(30_000, 400)).toBe('30 s');
    expect(withAllowance(30_000, 12_400)).toBe('30 s (+ 12 s its processes waited for a busy CPU)');
  });
});

describe('TargetDeadline', () => {
  it('passes its bound only once the bound plus the CPU wait since it began has gone by, and says so', async () => {
    const member = { waited: 1_000, cpuWaitMs() { return this.waited; } };
    const deadline = new TargetDeadline(20, () => [member]);
    expect(deadline.passed()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 40));
    member.waited = 61_000;
    expect(deadline.passed()).toBe(false);
    expect(deadline.describe()).toBe('0 s (+ 60 s its processes waited for a busy CPU)');
    member.waited = 1_000;
    expect(deadline.passed()).toBe(true);
    expect(deadline.describe()).toBe('0 s');
  });
});
