import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../target/target-spec.ts';
import { goCacheKey, isGoTarget } from './go-build-cache.ts';

describe('the warm Go cache', () => {
  it('is keyed by the toolchain and both module files', () => {
    const key = goCacheKey('go version go1.26.0 linux/amd64', 'module m\n', 'sum\n');
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(goCacheKey('go version go1.26.0 linux/amd64', 'module m\n', 'sum\n')).toBe(key);
    expect(goCacheKey('go version go1.26.1 linux/amd64', 'module m\n', 'sum\n')).not.toBe(key);
    expect(goCacheKey('go version go1.26.0 linux/amd64', 'module m\nrequire x v1\n', 'sum\n')).not.toBe(key);
    expect(goCacheKey('go version go1.26.0 linux/amd64', 'module m\n', 'other\n')).not.toBe(key);
    // Fields are separated: moving text from one to the next is another key.
    expect(goCacheKey('go version go1.26.0 linux/amd64', 'module m\ns', 'um\n')).not.toBe(key);
  });

  it('is used for targets with a go.mod at their root only', () => {
    expect(isGoTarget(resolveTarget('reference-fix-go'))).toBe(true);
    expect(isGoTarget(resolveTarget('buggy-service-go'))).toBe(true);
    expect(isGoTarget(resolveTarget('reference-fix'))).toBe(false);
  });
});
