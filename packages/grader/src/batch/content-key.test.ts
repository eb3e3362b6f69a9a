import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { graderBuild, resultKey, submissionDigest, type GradingSettings } from './content-key.ts';
import type { Submission } from './submission.ts';

const SETTINGS: GradingSettings = { graderVersion: '0.1.0', graderBuild: 'b', seed: 1, repeat: 1, weights: 'w', checks: ['x'], containment: 'c', budgetSeconds: 900 };

function dirSubmission(dir: string): Submission {
  return { id: 'm/1', model: 'm', attempt: 1, origin: dir, source: { kind: 'directory', dir } };
}

describe('content keys', () => {
  it('a directory digest follows every file the sandbox copies (names, contents, links, node_modules), not .git', () => {
    const dir = tempDir('grader-key-');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/main.ts'), 'a');
    const first = submissionDigest(dirSubmission(dir));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git/HEAD'), 'ref');
    expect(submissionDigest(dirSubmission(dir))).toBe(first);
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules/x.js'), 'vendored');
    expect(submissionDigest(dirSubmission(dir))).not.toBe(first);
    rmSync(join(dir, 'node_modules'), { recursive: true });
    writeFileSync(join(dir, 'src/main.ts'), 'b');
    const second = submissionDigest(dirSubmission(dir));
    expect(second).not.toBe(first);
    symlinkSync('/etc/passwd', join(dir, 'link'));
    expect(submissionDigest(dirSubmission(dir))).not.toBe(second);
  });

  it('a key changes with any setting and with the content', () => {
    const key = resultKey(SETTINGS, 'd');
    expect(resultKey({ ...SETTINGS }, 'd')).toBe(key);
    expect(resultKey({ ...SETTINGS, seed: 2 }, 'd')).not.toBe(key);
    expect(resultKey({ ...SETTINGS, checks: ['x', 'y'] }, 'd')).not.toBe(key);
    expect(resultKey(SETTINGS, 'e')).not.toBe(key);
    const diff = (patch: string): Submission => ({ id: 'm/1', model: 'm', attempt: 1, origin: 'p', source: { kind: 'diff', patch } });
    expect(submissionDigest(diff('x'))).toBe(submissionDigest(diff('x')));
    expect(submissionDigest(diff('x'))).not.toBe(submissionDigest(diff('y')));
  });

  it('the grader build is stable within a process and a hex digest', () => {
    expect(graderBuild()).toMatch(/^[0-9a-f]{16}$/);
    expect(graderBuild()).toBe(graderBuild());
  });
});
