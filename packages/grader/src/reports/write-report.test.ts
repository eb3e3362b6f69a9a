import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from './write-report.ts';

describe('writeReport', () => {
  it('creates missing parent directories and overwrites an existing file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'grader-report-')), 'ci', 'nested', 'report.xml');
    await writeReport(path, 'first');
    await writeReport(path, '<ok/>\n');
    expect(readFileSync(path, 'utf8')).toBe('<ok/>\n');
  });
});
