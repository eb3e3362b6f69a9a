import { describe, expect, it } from 'vitest';
import { withCrashes } from './check-failure.ts';

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
