import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers/temp-dirs.ts';
import { firstClosedFolder } from './paths-access.ts';

describe('firstClosedFolder', () => {
  it('names the highest folder others may not pass through, else nothing', () => {
    const root = tempDir('grader-access-');
    chmodSync(root, 0o755);
    const deep = join(root, 'a', 'b', 'c');
    mkdirSync(deep, { recursive: true, mode: 0o755 });
    expect(firstClosedFolder(deep)).toBeUndefined();
    chmodSync(join(root, 'a', 'b'), 0o750);
    chmodSync(deep, 0o700);
    expect(firstClosedFolder(deep)).toBe(join(root, 'a', 'b'));
    expect(firstClosedFolder(join(root, 'missing'))).toBe(join(root, 'missing'));
  });
});
