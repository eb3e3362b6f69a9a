import { describe, expect, it } from 'vitest';
import { CheckFailure } from '../engine/check-failure.ts';
import { expectAppliedEffects, expectStock } from './verdicts.ts';

function messageOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CheckFailure) return error.message;
    throw error;
  }
  return 'passed';
}

describe('expectStock says which way stock is off', () => {
  it('passes when every SKU matches', () => {
    expect(messageOf(() => expectStock('x', new Map([['A', 1]]), new Map([['A', 1]])))).toBe('passed');
  });

  it('counts SKUs above and below expected and shows each signed difference', () => {
    const expected = new Map([['A', 10], ['B', 10], ['C', 10], ['D', 10]]);
    const actual = new Map([['A', 13], ['B', 8], ['C', 10]]);
    expect(messageOf(() => expectStock('Stock after X', expected, actual))).toBe(
      'Stock after X: 3 of 4 SKUs wrong, 1 above expected, 1 below, 1 missing (A expected 10, got 13 (+3); B expected 10, got 8 (-2); D expected 10, got missing)',
    );
  });

  it('names the direction for a single SKU', () => {
    expect(messageOf(() => expectStock('Lost updates detected', new Map([['HOT', 180]]), new Map([['HOT', 150]])))).toBe(
      'Lost updates detected: expected HOT = 180, got 150 (30 below expected)',
    );
    expect(messageOf(() => expectStock('Lost updates detected', new Map([['HOT', 180]]), new Map([['HOT', 200]])))).toBe(
      'Lost updates detected: expected HOT = 180, got 200 (20 above expected)',
    );
  });
});

describe('expectAppliedEffects says whether effects were lost or applied twice', () => {
  it('passes when stock is the seed plus the applied messages', () => {
    expect(messageOf(() => expectAppliedEffects('HOT', 100, 180, 1, 280))).toBe('passed');
  });

  it('calls a shortfall lost updates, with the units lost', () => {
    expect(messageOf(() => expectAppliedEffects('HOT', 100, 180, 1, 161))).toBe(
      'Lost updates detected: 180 message(s) recorded as applied make HOT = 280, got 161: 119 unit(s) of applied effects never took effect',
    );
  });

  it('calls an excess effects applied twice', () => {
    expect(messageOf(() => expectAppliedEffects('HOT', 100, 170, 1, 290))).toBe(
      'Effects applied twice: 170 message(s) recorded as applied make HOT = 270, got 290: 20 unit(s) more than the applied messages account for',
    );
  });

  it('does not count messages without an outcome as lost', () => {
    expect(messageOf(() => expectAppliedEffects('HOT', 100, 167, 1, 267))).toBe('passed');
  });
});
