import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { reachableByAll } from './sandbox-tools.ts';

describe('reachableByAll', () => {
  it('follows a link out of a private directory to the first path that keeps the program name', () => {
    const root = tempDir('grader-tools-');
    chmodSync(root, 0o755);
    const open = join(root, 'usr', 'bin');
    mkdirSync(open, { recursive: true });
    writeFileSync(join(open, 'passt'), '');
    symlinkSync('passt', join(open, 'pasta'));
    const hidden = join(root, 'cache', 'bin');
    mkdirSync(hidden, { recursive: true });
    chmodSync(join(root, 'cache'), 0o700);
    symlinkSync(join(open, 'pasta'), join(hidden, 'pasta'));
    // Not passt: called by that name, passt is not pasta.
    expect(reachableByAll(join(hidden, 'pasta'))).toBe(join(open, 'pasta'));
    expect(reachableByAll(join(open, 'pasta'))).toBe(join(open, 'pasta'));
  });

  it('sees through a linked directory (a tool cache whose x64 links to /usr)', () => {
    const root = tempDir('grader-tools-');
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    writeFileSync(join(root, 'usr', 'bin', 'bwrap'), '');
    mkdirSync(join(root, 'cache'), { mode: 0o700 });
    symlinkSync(join(root, 'usr'), join(root, 'cache', 'x64'));
    expect(reachableByAll(join(root, 'cache', 'x64', 'bin', 'bwrap'))).toBe(join(root, 'usr', 'bin', 'bwrap'));
  });

  it('keeps a path it cannot improve on', () => {
    const root = tempDir('grader-tools-');
    chmodSync(root, 0o700);
    writeFileSync(join(root, 'bwrap'), '');
    expect(reachableByAll(join(root, 'bwrap'))).toBe(join(root, 'bwrap'));
  });
});
