import { describe, expect, it } from 'vitest';
import { CheckFailure, Inconclusive, unlessOverloaded, withCrashes } from './check-failure.ts';
import { checkStatus } from './run-checks.ts';

const race = 'replica r2 stopped on a data race (Go race detector, exit 66): Write at 0x1 by goroutine 7 in main.count() main.go:40';

describe('withCrashes names the replica exit behind a count', () => {
  it('appends the first unexpected exit to a bare count', () => {
    expect(withCrashes('expected 180 restocks recorded as applied, got 116', [race])).toBe(
      `expected 180 restocks recorded as applied, got 116; during the scenario ${race}`,
    );
  });

  it('says how many other replicas exited', () => {
    expect(withCrashes('got 3', [race, 'replica r1 exited with code 1: boom'])).toMatch(/; during the scenario replica r2 stopped on a data race .* \(and 1 more replica exit\(s\)\)$/);
  });

  it('leaves the message alone when no replica exited, or when it already names an exit', () => {
    expect(withCrashes('expected 180, got 116', [])).toBe('expected 180, got 116');
    const named = `target stalled: 12 of 300 messages had an outcome after 30 s (waiting for 100); ${race}`;
    expect(withCrashes(named, [race])).toBe(named);
  });
});

describe('unlessOverloaded: no verdict from a wait that ran out on an overloaded machine', () => {
  it('keeps the failure when no wait was overloaded', () => {
    const failure = new CheckFailure('target stalled: 3 of 10 messages had an outcome after 30 s');
    expect(unlessOverloaded(failure, [])).toBe(failure);
  });

  it('makes it inconclusive, saying how the machine was overloaded and what the failure would have been', () => {
    const result = unlessOverloaded(new CheckFailure('target not ready after 30 s (+ 60 s its processes waited for a busy CPU)'), ["the target's processes waited 75 s for a busy CPU during the wait, past the 60 s a wait allows for that"]);
    expect(result).toBeInstanceOf(Inconclusive);
    expect(result.message).toBe(
      "inconclusive (machine overloaded): the target's processes waited 75 s for a busy CPU during the wait, past the 60 s a wait allows for that; it would have failed with: target not ready after 30 s (+ 60 s its processes waited for a busy CPU)",
    );
    expect(checkStatus('failed', result.message)).toBe('inconclusive');
  });

  it('maps vitest states to statuses', () => {
    expect(checkStatus('passed', undefined)).toBe('passed');
    expect(checkStatus('failed', 'Lost updates detected: expected 126, got 98')).toBe('failed');
    expect(checkStatus('skipped', undefined)).toBe('skipped');
    expect(checkStatus('pending', undefined)).toBe('skipped');
  });
});
