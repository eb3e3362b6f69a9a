import { GraderError } from '../errors/grader-error.ts';

/** One part of a batch: the `index`-th (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n` (1-based, as vitest and Playwright write it). */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!match || count < 1 || index < 1 || index > count) {
    throw new GraderError('USAGE', `--shard must be i/n with 1 <= i <= n, got '${value}'`, 'e.g. --shard 1/4 on the first of four machines (Kubernetes: --shard $((JOB_COMPLETION_INDEX + 1))/4)');
  }
  return { index, count };
}

/**
 * The submissions of one shard: every n-th of the list sorted by id, starting at the i-th. The
 * split depends only on the ids, so n machines given the same submissions cover each exactly once.
 */
export function pickShard<T extends { readonly id: string }>(items: readonly T[], shard: Shard): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).filter((_, i) => i % shard.count === shard.index - 1);
}
