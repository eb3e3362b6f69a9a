import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { buildLeaderboard } from '../leaderboard/leaderboard.ts';
import { renderJson } from '../leaderboard/render-leaderboard.ts';
import type { GradingSettings } from './content-key.ts';
import { mergeBatches } from './merge.ts';
import { ResultStore, type SubmissionResult } from './result-store.ts';
import { pickShard } from './shard.ts';
import type { Submission } from './submission.ts';

const SETTINGS: GradingSettings = {
  graderVersion: '0.1.0',
  graderBuild: 'abc',
  seed: 1,
  repeat: 1,
  weights: 'w',
  checks: ['race.sequential_final_stock', 'idempotency.invalid_recorded_once'],
  containment: 'sandboxed',
  budgetSeconds: 900,
};

function sub(model: string, attempt: number): Submission {
  return { id: `${model}/${attempt}`, model, attempt, origin: 'test', source: { kind: 'diff', patch: `${model}${attempt}` } };
}

function result(s: Submission, key: string, passed: boolean): SubmissionResult {
  return {
    schemaVersion: 1,
    key,
    submission: { id: s.id, model: s.model, attempt: s.attempt, kind: 'diff', origin: 'test', digest: key },
    status: 'graded',
    score: passed ? 1 : 0.45 / 0.65,
    resolved: passed,
    budgetExceeded: false,
    categories: [
      { category: 'race_conditions', weight: 0.45 / 0.65, earned: 0.45 / 0.65, passed: 1, total: 1 },
      { category: 'idempotency', weight: 0.2 / 0.65, earned: passed ? 0.2 / 0.65 : 0, passed: passed ? 1 : 0, total: 1 },
    ],
    checks: { 'race.sequential_final_stock': { passed: 1, runs: 1 }, 'idempotency.invalid_recorded_once': { passed: passed ? 1 : 0, runs: 1 } },
    durationMs: 1000,
    gradedAt: '2026-12-02T00:00:00.000Z',
  };
}

function grade(store: ResultStore, subs: readonly Submission[]): void {
  for (const s of subs) {
    store.begin(s);
    store.finish(s, result(s, `key-${s.id}`, s.attempt % 2 === 1));
  }
}

const SUBS = ['model-a', 'model-b', 'model-c'].flatMap((m) => [1, 2, 3].map((a) => sub(m, a)));

describe('ResultStore', () => {
  it('finds a result only under the same key; a half-written folder does not count', () => {
    const dir = join(tempDir('grader-store-'), 'out');
    const store = ResultStore.openForGrading(dir, SETTINGS);
    const s = sub('m', 1);
    store.begin(s);
    expect(store.doneFor(s, 'k1')).toBeUndefined();
    store.finish(s, result(s, 'k1', true));
    const reopened = ResultStore.openForGrading(dir, SETTINGS);
    expect(reopened.doneFor(s, 'k1')?.score).toBe(1);
    expect(reopened.doneFor(s, 'k2')).toBeUndefined();
    expect(reopened.withKey('k1')?.result.submission.id).toBe('m/1');
    expect(readFileSync(join(reopened.folderOf(s), 'summary.txt'), 'utf8')).toMatch(/^m\/1: score 1\.000 \(resolved\)/);
  });

  it('refuses a folder graded with other settings, or any other non-empty folder, and touches nothing', () => {
    const dir = join(tempDir('grader-store-'), 'out');
    grade(ResultStore.openForGrading(dir, SETTINGS), [sub('m', 1)]);
    const before = readFileSync(join(dir, 'batch.json'), 'utf8');
    expect(() => ResultStore.openForGrading(dir, { ...SETTINGS, graderVersion: '0.2.0' })).toThrow(/--out .* holds results graded with other settings \(graderVersion "0\.1\.0" vs "0\.2\.0"\)/);
    expect(() => ResultStore.openForGrading(dir, { ...SETTINGS, seed: 2 })).toThrow(/seed 1 vs 2/);
    expect(readFileSync(join(dir, 'batch.json'), 'utf8')).toBe(before);
    const other = tempDir('grader-store-');
    writeFileSync(join(other, 'precious.txt'), 'keep');
    expect(() => ResultStore.openForGrading(other, SETTINGS)).toThrow(/is not empty and holds no batch\.json/);
    expect(readdirSync(other)).toEqual(['precious.txt']);
  });
});

describe('ResultStore damage', () => {
  it('a damaged result.json (a kill mid-write) counts as not done, and the folder stays usable', () => {
    const dir = join(tempDir('grader-store-'), 'out');
    const store = ResultStore.openForGrading(dir, SETTINGS);
    grade(store, [sub('m', 1), sub('m', 2)]);
    writeFileSync(join(store.folderOf(sub('m', 1)), 'result.json'), '{"key": "key-m/1", "subm');
    const reopened = ResultStore.openForGrading(dir, SETTINGS);
    expect(reopened.doneFor(sub('m', 1), 'key-m/1')).toBeUndefined();
    expect(reopened.doneFor(sub('m', 2), 'key-m/2')).toBeDefined();
    expect(reopened.results().map((r) => r.submission.id)).toEqual(['m/2']);
  });
});

describe('ResultStore.lock', () => {
  it('refuses a second live writer, takes over a dead one\'s lock, and clears what it left', () => {
    const dir = join(tempDir('grader-store-'), 'out');
    const store = ResultStore.openForGrading(dir, SETTINGS);
    const lock = store.lock();
    // pid 1 is alive (init): another grader holding the folder.
    writeFileSync(join(dir, '.batch.lock'), '1');
    expect(() => ResultStore.openForGrading(dir, SETTINGS).lock()).toThrow(/is being written by another grader \(pid 1\)/);
    // A pid that no longer exists: a killed batch.
    writeFileSync(join(dir, '.batch.lock'), '999999999');
    mkdirSync(join(dir, '.task-base-abc'));
    const again = ResultStore.openForGrading(dir, SETTINGS).lock();
    expect(readdirSync(dir).filter((n) => n.startsWith('.task-base-'))).toEqual([]);
    again.release();
    lock.release();
    expect(existsSync(join(dir, '.batch.lock'))).toBe(false);
  });
});

describe('merge and leaderboard', () => {
  it('two shards merged give the same leaderboard as one unsharded batch', () => {
    const root = tempDir('grader-merge-');
    grade(ResultStore.openForGrading(join(root, 'all'), SETTINGS), SUBS);
    for (const index of [1, 2]) grade(ResultStore.openForGrading(join(root, `shard-${index}`), SETTINGS), pickShard(SUBS, { index, count: 2 }));
    const outcome = mergeBatches([join(root, 'shard-1'), join(root, 'shard-2')], join(root, 'merged'));
    expect(outcome).toEqual({ inputs: 2, copied: 9, unchanged: 0 });
    const board = (dir: string): string => {
      const store = ResultStore.openForReading(join(root, dir));
      return renderJson(buildLeaderboard(store.manifest.settings, store.results()));
    };
    expect(board('merged')).toBe(board('all'));
    // Merging again changes nothing.
    expect(mergeBatches([join(root, 'shard-1'), join(root, 'shard-2')], join(root, 'merged'))).toEqual({ inputs: 2, copied: 0, unchanged: 9 });
  });

  it('refuses shards of different settings and a submission with different content in two shards', () => {
    const root = tempDir('grader-merge-');
    grade(ResultStore.openForGrading(join(root, 'a'), SETTINGS), [sub('m', 1)]);
    grade(ResultStore.openForGrading(join(root, 'b'), { ...SETTINGS, weights: 'other' }), [sub('m', 2)]);
    expect(() => mergeBatches([join(root, 'a'), join(root, 'b')], join(root, 'out'))).toThrow(/was graded with other settings than .* \(weights "w" vs "other"\)/);
    expect(existsSync(join(root, 'out'))).toBe(false);
    const c = ResultStore.openForGrading(join(root, 'c'), SETTINGS);
    const s = sub('m', 1);
    c.begin(s);
    c.finish(s, result(s, 'different-key', true));
    expect(() => mergeBatches([join(root, 'a'), join(root, 'c')], join(root, 'out'))).toThrow(/submission m\/1 has different content in/);
    expect(() => mergeBatches([join(root, 'a')], join(root, 'a'))).toThrow(/is also one of the folders to merge/);
  });

  it('computes mean score, resolved share, pass@k and per-check rates per model', () => {
    const subs = [sub('a', 1), sub('a', 2), sub('a', 3), sub('a', 4), sub('b', 1)];
    const results = subs.map((s, i) => result(s, `k${i}`, s.model === 'a' ? s.attempt <= 2 : false));
    const board = buildLeaderboard(SETTINGS, [...results, { ...result(sub('c', 1), 'kc', false), status: 'not_applied', score: 0, categories: [], checks: {} }]);
    expect(board.ks).toEqual([1, 2, 4]);
    const [a, b, c] = board.models;
    expect(a?.model).toBe('a');
    expect(a?.resolved).toBe(2);
    expect(Object.keys(a?.passAtK ?? {})).toEqual(['1', '2', '4']);
    expect(a?.passAtK['1']).toBeCloseTo(0.5, 12);
    expect(a?.passAtK['2']).toBeCloseTo(1 - 1 / 6, 12);
    expect(a?.passAtK['4']).toBe(1);
    expect(a?.meanScore).toBeCloseTo((2 + 2 * (0.45 / 0.65)) / 4, 12);
    expect(b?.passAtK).toEqual({ '1': 0 });
    expect(c?.model).toBe('c');
    expect(c?.notGraded).toBe(1);
    expect(c?.categories.race_conditions).toBe(0);
    expect(a?.categories.isolation).toBeNull();
    const idem = board.checks.find((x) => x.id === 'idempotency.invalid_recorded_once');
    expect(idem?.rates).toMatchObject({ a: { passed: 2, runs: 4 }, b: { passed: 0, runs: 1 }, c: { passed: 0, runs: 1 } });
    expect(idem?.flaky).toEqual([]);
  });
});
