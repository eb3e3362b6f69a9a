import { describe, expect, it } from 'vitest';
import { subordinateRange } from './user-namespace.ts';

describe('subordinateRange', () => {
  const file = 'alice:100000:65536\n# comment\n1001:300000:70000\nbob:200000:0\n';

  it('finds a user by name or by uid', () => {
    expect(subordinateRange(file, 'alice', 1000)).toEqual({ start: 100000, count: 65536 });
    expect(subordinateRange(file, 'carol', 1001)).toEqual({ start: 300000, count: 70000 });
  });

  it('has none for a user not listed or listed with an empty range', () => {
    expect(subordinateRange(file, 'dave', 1002)).toBeUndefined();
    expect(subordinateRange(file, 'bob', 1003)).toBeUndefined();
  });
});
