import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import type { Output } from '../output.ts';

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, info: push, warn: push, progress: push, error: push, data: push };
}

// Usage errors are found before any infrastructure starts.
describe('grader validate (usage)', () => {
  it('an unknown --only target is one line and exit 2', async () => {
    const out = capture();
    expect(await main(['validate', '--only', 'mutant-99-nope'], out)).toBe(2);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^error\[USAGE\]: --only: unknown target 'mutant-99-nope' \(hint: targets are: reference-fix, buggy-service, reference-fix-go, buggy-service-go, mutant-01/);
  });

  it('a bad --repeat is exit 2', async () => {
    const out = capture();
    expect(await main(['validate', '--repeat', '0'], out)).toBe(2);
    expect(out.lines.at(-1)).toMatch(/^error\[USAGE\]: --repeat must be an integer/);
  });

  it('is listed in --help', async () => {
    const out = capture();
    const log = console.log;
    const printed: string[] = [];
    console.log = (...args: unknown[]) => void printed.push(args.join(' '));
    try {
      await main(['--help'], out);
    } finally {
      console.log = log;
    }
    expect([...printed, ...out.lines].join('\n')).toMatch(/validate\s+grade the reference/);
  });
});
