import { describe, expect, it } from 'vitest';
import { freeRange } from './delegate.ts';

describe('freeRange', () => {
  it('starts at 100000 on a host with no ranges, above the ranges handed out otherwise', () => {
    expect(freeRange(['', ''], [0, 1000])).toBe(100_000);
    expect(freeRange(['alice:100000:65536\n', 'alice:100000:65536\nbob:300000:1000\n'], [])).toBe(301_000);
  });

  it('never covers the uids root-mode sandboxes run as, nor an account uid', () => {
    // 165536 + 65536 would reach 0x2ffff (196607), the probe's uid, and the sandboxes' 0x30000-0x3ffff.
    expect(freeRange(['alice:100000:65536\n'], [])).toBe(0x40000);
    expect(freeRange([''], [130_000])).toBe(130_001);
  });
});
