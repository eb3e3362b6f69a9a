import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_SUBMISSIONS, writeFixtureSubmissions } from '../../test/helpers/submission-fixtures.ts';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { loadSubmissions } from './submission.ts';

function files(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return found;
}

describe('the fixture batch in examples/submissions', () => {
  it('is what the generator makes from the current task, reference and mutants', async () => {
    const fresh = join(tempDir('grader-fixtures-'), 'submissions');
    await writeFixtureSubmissions(process.env.UPDATE_FIXTURES ? FIXTURE_SUBMISSIONS : fresh);
    const want = files(process.env.UPDATE_FIXTURES ? FIXTURE_SUBMISSIONS : fresh);
    const have = files(FIXTURE_SUBMISSIONS);
    expect([...have.keys()].sort(), 'out of date: UPDATE_FIXTURES=1 pnpm vitest run --project unit fixtures').toEqual([...want.keys()].sort());
    for (const [path, content] of want) expect(have.get(path), `${path} is out of date: UPDATE_FIXTURES=1 pnpm vitest run --project unit fixtures`).toBe(content);
  }, 60_000);

  it('holds eight submissions of five kinds', () => {
    const subs = loadSubmissions([FIXTURE_SUBMISSIONS]);
    expect(subs.map((s) => `${s.id} ${s.source.kind}`)).toEqual([
      'mutants/1 diff',
      'mutants/2 diff',
      'mutants/3 diff',
      'never-ready/1 directory',
      'no-change/1 diff',
      'reference-as-diff/1 diff',
      'reference-as-directory/1 directory',
      'stale-diff/1 diff',
    ]);
  });
});
