import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The fix guide must name every `// BUG:` of the buggy service at its current line, once. */
const here = fileURLToPath(new URL('.', import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const buggySrc = join(here, '..', '..', 'buggy-service', 'src');

const bugs = readdirSync(buggySrc)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .flatMap((file) =>
    readFileSync(join(buggySrc, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (/\/\/\s*BUG:/.test(line) ? [`${file}:${i + 1}`] : [])),
  );

const tableRefs = [...readme.matchAll(/^\| (\d+) \| `([a-z-]+\.ts:\d+)` \| ([a-z ]+) \|/gm)].map((m) => ({ n: Number(m[1]), ref: m[2], category: m[3] }));
const headingRefs = [...readme.matchAll(/^### (\d+)\. .*\(`([a-z-]+\.ts:\d+)`\)$/gm)].map((m) => ({ n: Number(m[1]), ref: m[2] }));

describe('README.md (the fix guide)', () => {
  it('lists every BUG of buggy-service exactly once, at its current line', () => {
    expect(bugs.length).toBeGreaterThanOrEqual(12);
    expect(tableRefs.map((r) => r.ref).sort()).toEqual([...bugs].sort());
  });

  it('has one section per bug, numbered like the table', () => {
    expect(headingRefs).toEqual(tableRefs.map(({ n, ref }) => ({ n, ref })));
  });

  it('covers all seven categories', () => {
    expect(new Set(tableRefs.map((r) => r.category))).toEqual(
      new Set(['race conditions', 'idempotency', 'isolation', 'locking', 'atomic ops', 'consumer offsets', 'load stress']),
    );
  });
});
