import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { parseManifest, resolveTarget } from './target-spec.ts';

describe('parseManifest (docs/CONTRACT.md section 1)', () => {
  it('reads build and start, as argv or shell strings', () => {
    expect(parseManifest('{"build": ["npm", "ci"], "start": "node main.js"}', 't.json')).toEqual({ build: { argv: ['npm', 'ci'] }, start: { shell: 'node main.js' } });
  });

  it('ignores unknown fields, as the contract says', () => {
    expect(parseManifest('{"start": ["node", "main.js"], "language": "typescript", "replicas": 3}', 't.json')).toEqual({ start: { argv: ['node', 'main.js'] } });
  });

  it('refuses what it cannot start, in one line naming the file', () => {
    expect(() => parseManifest('{"build": "npm ci"}', 't.json')).toThrow(/^t\.json: missing "start"$/);
    expect(() => parseManifest('{"start": []}', 't.json')).toThrow(/t\.json: "start" must be a non-empty string/);
    expect(() => parseManifest('[1]', 't.json')).toThrow(/t\.json: must be a JSON object/);
    expect(() => parseManifest('{', 't.json')).toThrow(/t\.json: not valid JSON/);
  });
});

describe('resolveTarget on a submission\'s files', () => {
  it('reads a manifest only from a regular file: a symlink, folder or FIFO is TARGET_INVALID, never followed', () => {
    const root = tempDir('grader-target-');
    const cases: [string, (dir: string) => void][] = [
      ['link', (dir) => symlinkSync('/etc/hostname', join(dir, 'target.json'))],
      ['folder', (dir) => mkdirSync(join(dir, 'target.json'))],
      ['fifo', (dir) => execFileSync('mkfifo', [join(dir, 'target.json')])],
    ];
    for (const [name, make] of cases) {
      const dir = join(root, name);
      mkdirSync(dir);
      make(dir);
      expect(() => resolveTarget(dir), name).toThrow(/target\.json: is not a regular file/);
    }
  });

  it('does not quote the file in a JSON error', () => {
    const dir = tempDir('grader-target-');
    writeFileSync(join(dir, 'target.json'), 'SECRET=hunter2');
    expect(() => resolveTarget(dir)).toThrow(/not valid JSON \(syntax error/);
    expect(() => resolveTarget(dir)).not.toThrow(/hunter2/);
  });
});
