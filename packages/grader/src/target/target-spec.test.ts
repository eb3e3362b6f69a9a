import { describe, expect, it } from 'vitest';
import { parseManifest } from './target-spec.ts';

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
