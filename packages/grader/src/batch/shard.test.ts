import { describe, expect, it } from 'vitest';
import { parseShard, pickShard } from './shard.ts';

describe('shards', () => {
  const items = Array.from({ length: 11 }, (_, i) => ({ id: `model-${String.fromCharCode(97 + ((i * 7) % 11))}/1` }));

  it('n shards cover every submission exactly once, whatever order they were given in', () => {
    for (const count of [1, 2, 3, 4, 11, 12]) {
      const parts = Array.from({ length: count }, (_, i) => pickShard(items, { index: i + 1, count }));
      const ids = parts.flat().map((x) => x.id);
      expect(ids.sort()).toEqual(items.map((x) => x.id).sort());
      expect(new Set(ids).size).toBe(items.length);
      expect(pickShard([...items].reverse(), { index: 1, count })).toEqual(parts[0]);
      // Balanced: sizes differ by at most one.
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('maps a Kubernetes completion index (0-based) to --shard $((JOB_COMPLETION_INDEX + 1))/n', () => {
    const count = 4;
    const shards = [0, 1, 2, 3].map((jobIndex) => parseShard(`${jobIndex + 1}/${count}`));
    expect(shards.map((s) => s.index)).toEqual([1, 2, 3, 4]);
  });

  it('refuses shards that do not exist', () => {
    expect(() => parseShard('3/2')).toThrow(/--shard must be i\/n with 1 <= i <= n, got '3\/2'/);
    expect(() => parseShard('0/2')).toThrow(/got '0\/2'/);
    expect(() => parseShard('1/0')).toThrow(/got '1\/0'/);
    expect(() => parseShard('half')).toThrow(/got 'half'/);
  });
});
