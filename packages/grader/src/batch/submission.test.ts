import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { loadSubmissions, parsePredictions, submissionFolder } from './submission.ts';

const DIFF = 'diff --git a/service/src/main.ts b/service/src/main.ts\n';

function tree(files: Record<string, string>): string {
  const root = tempDir('grader-subs-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('parsePredictions', () => {
  it('reads SWE-bench JSON Lines with an optional attempt (default 1); a null patch is the unchanged task', () => {
    const text = [
      JSON.stringify({ instance_id: 'inventory', model_name_or_path: 'org/model-a', model_patch: DIFF }),
      '',
      JSON.stringify({ instance_id: 'inventory', model_name_or_path: 'org/model-a', model_patch: null, attempt: 2 }),
    ].join('\n');
    const subs = parsePredictions(text, 'p.jsonl');
    expect(subs.map((s) => [s.id, s.model, s.attempt, s.origin, s.instanceId])).toEqual([
      ['org/model-a/1', 'org/model-a', 1, 'p.jsonl:1', 'inventory'],
      ['org/model-a/2', 'org/model-a', 2, 'p.jsonl:3', 'inventory'],
    ]);
    expect(subs[1]?.source).toEqual({ kind: 'diff', patch: '' });
  });

  it('reads a JSON array too', () => {
    const subs = parsePredictions(JSON.stringify([{ instance_id: 'i', model_name_or_path: 'm', model_patch: DIFF }]), 'p.json');
    expect(subs[0]?.id).toBe('m/1');
  });

  it('names the line of a malformed prediction', () => {
    const text = `${JSON.stringify({ instance_id: 'i', model_name_or_path: 'm', model_patch: '' })}\n{"instance_id": "i",\n`;
    expect(() => parsePredictions(text, 'p.jsonl')).toThrow(/p\.jsonl:2: not valid JSON/);
    expect(() => parsePredictions('{"instance_id":"i","model_patch":""}', 'p.jsonl')).toThrow(/p\.jsonl:1: "model_name_or_path" must be a non-empty string/);
    expect(() => parsePredictions('{"instance_id":"i","model_name_or_path":"m","model_patch":"","attempt":0}', 'p.jsonl')).toThrow(/"attempt" must be a positive integer, got 0/);
    expect(() => parsePredictions('[1]', 'p.json')).toThrow(/entry 1: a prediction must be a JSON object/);
    expect(() => parsePredictions(JSON.stringify({ instance_id: 'i', model_name_or_path: 'm'.repeat(201), model_patch: '' }), 'p.jsonl')).toThrow(/p\.jsonl:1: "model_name_or_path" is 201 characters long/);
  });
});

describe('loadSubmissions', () => {
  it('reads a <model>/<attempt>/ tree mixing directories, diffs and predictions, sorted by id', () => {
    const root = tree({
      'model-b/1/target.json': '{"start": "node main.js"}',
      'model-b/2/fix.diff': DIFF,
      'model-a/attempt-3.patch': DIFF,
      'model-c/package.json': '{"scripts": {"start": "node x"}}',
      'preds.jsonl': JSON.stringify({ instance_id: 'i', model_name_or_path: 'model-d', model_patch: DIFF }),
      'README.md': 'ignored',
    });
    const subs = loadSubmissions([root]);
    expect(subs.map((s) => `${s.id} ${s.source.kind}`)).toEqual(['model-a/3 diff', 'model-b/1 directory', 'model-b/2 diff', 'model-c/1 directory', 'model-d/1 diff']);
  });

  it('takes a single service directory, a single diff, and several paths at once', () => {
    const root = tree({ 'svc/target.json': '{"start": "x"}', 'one.diff': DIFF });
    const subs = loadSubmissions([join(root, 'svc'), join(root, 'one.diff')]);
    expect(subs.map((s) => s.id)).toEqual(['one/1', 'svc/1']);
  });

  it('takes one model\'s folder on its own (its entries are all attempts)', () => {
    const root = tree({ 'model-x/1/target.json': '{"start": "x"}', 'model-x/2.diff': DIFF });
    expect(loadSubmissions([join(root, 'model-x')]).map((s) => s.id)).toEqual(['model-x/1', 'model-x/2']);
  });

  it('refuses duplicate ids, naming both origins', () => {
    const root = tree({ 'm/1/x.diff': DIFF, 'p.jsonl': JSON.stringify({ instance_id: 'i', model_name_or_path: 'm', model_patch: DIFF }) });
    expect(() => loadSubmissions([root])).toThrow(/duplicate submission id m\/1: from .*m\/1\/x\.diff and from .*p\.jsonl:1/);
  });

  it('refuses a missing path, an unknown file, an attempt that is not a number, an empty attempt folder', () => {
    expect(() => loadSubmissions(['/nonexistent/submissions'])).toThrow(/--submissions \/nonexistent\/submissions: no such file or directory/);
    const root = tree({ 'notes.txt': 'x', 'm/latest/x.diff': DIFF, 'n/1/empty.txt': '' });
    expect(() => loadSubmissions([join(root, 'notes.txt')])).toThrow(/a file must be predictions/);
    const layout = tree({ 'm/latest/x.diff': DIFF });
    expect(() => loadSubmissions([layout])).toThrow(/'latest' is not an attempt number/);
    // An attempt folder with neither a target nor one diff is graded as a directory (and fails to start).
    const empty = tree({ 'n/1/empty.txt': '' });
    expect(loadSubmissions([empty]).map((s) => `${s.id} ${s.source.kind}`)).toEqual(['n/1 directory']);
    expect(() => loadSubmissions([tempDir('grader-empty-')])).toThrow(/no submissions found/);
  });

  it('gives every model a folder of its own, inside the results', () => {
    expect(submissionFolder({ model: 'model-a', attempt: 2 })).toBe(join('model-a', '2'));
    expect(submissionFolder({ model: 'openai/gpt-x', attempt: 2 })).toMatch(/^openai__gpt-x-[0-9a-f]{6}\/2$/);
    expect(submissionFolder({ model: '../etc', attempt: 1 })).toMatch(/^_\.\.__etc-[0-9a-f]{6}\/1$/);
    expect(submissionFolder({ model: 'gpt 4', attempt: 1 })).not.toBe(submissionFolder({ model: 'gpt_4', attempt: 1 }));
  });

  it('reads diffs only from regular files', () => {
    const root = tree({ 'm/1/x.txt': '' });
    symlinkSync('/etc/hostname', join(root, 'm/1/fix.diff'));
    expect(() => loadSubmissions([root])).toThrow(/fix\.diff: not a regular file/);
  });
});
