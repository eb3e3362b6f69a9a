import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from './write-report.ts';
import { tempDir } from '../../test/helpers/temp-dirs.ts';

describe('writeReport', () => {
  it('creates missing parent directories and overwrites an existing file', async () => {
    const path = join(tempDir('grader-report-'), 'ci', 'nested', 'report.xml');
    await writeReport(path, 'first');
    await writeReport(path, '<ok/>\n');
    expect(readFileSync(path, 'utf8')).toBe('<ok/>\n');
  });
});
