import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import type { TargetSpec } from '../target/target-spec.ts';
import { readOnlyPathsFor } from './sandbox.ts';

function target(dir: string, readOnly?: string[]): TargetSpec {
  return { name: 't', dir, start: { argv: ['node', 'main.js'] }, source: 'target.json', ...(readOnly ? { readOnly } : {}) };
}

describe('readOnlyPathsFor', () => {
  it('binds the node_modules of every ancestor (workspace dependencies), not the target’s own', () => {
    const root = tempDir('grader-ro-');
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'node_modules'));
    mkdirSync(join(root, 'packages', 'svc', 'node_modules'), { recursive: true });
    const paths = readOnlyPathsFor(target(join(root, 'packages', 'svc')), '');
    expect(paths).toContain(join(root, 'node_modules'));
    expect(paths).not.toContain(join(root, 'packages', 'svc', 'node_modules'));
  });

  it('binds toolchains on PATH that any user can reach, never a private one', () => {
    const root = tempDir('grader-ro-');
    chmodSync(root, 0o755);
    const open = join(root, 'tools', 'bin');
    const hidden = join(root, 'home', 'bin');
    mkdirSync(open, { recursive: true });
    mkdirSync(hidden, { recursive: true });
    chmodSync(join(root, 'home'), 0o700);
    const paths = readOnlyPathsFor(target(join(root, 'svc')), [open, hidden, '/usr/bin'].join(':'));
    expect(paths).toContain(open);
    expect(paths).not.toContain(hidden);
    expect(paths).not.toContain('/usr/bin');
  });

  it('keeps the paths the grader vouches for, and drops one inside another', () => {
    const root = tempDir('grader-ro-');
    const paths = readOnlyPathsFor(target(join(root, 'svc'), ['/repo/node_modules', '/repo/node_modules/.pnpm', '/repo/packages/ref/node_modules']), '');
    expect(paths).toEqual(expect.arrayContaining(['/repo/node_modules', '/repo/packages/ref/node_modules']));
    expect(paths).not.toContain('/repo/node_modules/.pnpm');
  });
});
