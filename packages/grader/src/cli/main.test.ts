import { describe, expect, it } from 'vitest';
import { GRADER_VERSION } from '../version.ts';
import { main } from './main.ts';
import type { Output } from './output.ts';

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, interactive: false, info: push, warn: push, progress: push, error: push, data: push };
}

describe('main', () => {
  it('an unknown command is a usage error with exit 2 and one line', async () => {
    const out = capture();
    expect(await main(['bogus'], out)).toBe(2);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^error\[USAGE\]: .*bogus.*hint/);
  });

  it('grader compare: two things that are not batch folders, or a folder that is not one, is one clear line and exit 2', async () => {
    const out = capture();
    expect(await main(['compare', '/nonexistent/a', '/nonexistent/b'], out)).toBe(2);
    expect(out.lines).toEqual(['error[USAGE]: /nonexistent/a is not a batch folder (hint: give two folders written by grader batch, or two model names with --results FOLDER)']);
    const again = capture();
    expect(await main(['compare', 'model-a', 'model-b', '--results', '/tmp'], again)).toBe(2);
    expect(again.lines).toHaveLength(1);
    expect(again.lines[0]).toMatch(/^error\[BATCH_MISMATCH\]: \/tmp is not empty and holds no batch\.json: not a grader batch folder/);
  });

  it('--version prints the grader version and nothing else', async () => {
    const out = capture();
    expect(await main(['--version'], out)).toBe(0);
    expect(out.lines).toEqual([GRADER_VERSION]);
    expect(GRADER_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a number option echoes what was typed when it is not a number', async () => {
    for (const [args, message] of [
      [['run', '--target', 'x', '--repeat', 'abc'], "--repeat must be a number, got 'abc'"],
      [['run', '--target', 'x', '--seed=4x'], "--seed must be a number, got '4x'"],
      [['batch', '--submissions', 'x', '--out', 'y', '--budget'], '--budget must be a number, got nothing'],
    ] as const) {
      const out = capture();
      expect(await main([...args], out)).toBe(2);
      expect(out.lines).toHaveLength(1);
      expect(out.lines[0]).toContain(`error[USAGE]: ${message}`);
    }
  });

  it('grader batch refuses results written inside the submissions', async () => {
    const out = capture();
    expect(await main(['batch', '--submissions', 'examples/submissions', '--out', 'examples/submissions/results'], out)).toBe(2);
    expect(out.lines).toEqual([expect.stringMatching(/^error\[USAGE\]: --out examples\/submissions\/results is inside --submissions examples\/submissions/)]);
  });

  it('an invalid --infra value is a usage error', async () => {
    const out = capture();
    expect(await main(['infra', 'up', '--infra', 'cloud'], out)).toBe(2);
    expect(out.lines.join('\n')).toMatch(/cloud/);
  });

  it('an invalid export-task --language is one usage line naming the choices, and writes nothing', async () => {
    const out = capture();
    expect(await main(['export-task', '--out', '/nonexistent/grader-export-test', '--language', 'rust'], out)).toBe(2);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^error\[USAGE\]: Invalid values: Argument: language, Given: "rust", Choices: "typescript", "go" \(hint: run grader --help\)$/);
  });

  it('external without a database URL fails before starting anything', async () => {
    const out = capture();
    expect(await main(['infra', 'up', '--infra', 'external', '--kafka-brokers', '127.0.0.1:1'], out)).toBe(2);
    expect(out.lines.at(-1)).toMatch(/^error\[USAGE\]: --infra external needs both/);
  });
});
