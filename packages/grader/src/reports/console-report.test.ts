import { stripVTControlCharacters } from 'node:util';
import chalk from 'chalk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatScore, renderConsoleReport } from './console-report.ts';
import { reportData } from './test-fixture.ts';

const hasAnsi = (text: string): boolean => text.includes('\u001b[');
let savedLevel: typeof chalk.level;
beforeEach(() => {
  savedLevel = chalk.level;
  chalk.level = 0;
});
afterEach(() => {
  chalk.level = savedLevel;
});

describe('renderConsoleReport', () => {
  it('shows the header, the per-category table and the weighted score', () => {
    const text = renderConsoleReport(reportData());
    expect(text).toContain('inventory-grader 0.1.0: target buggy-service, seed 42, infra local, 12.3 s');
    // Weights 0.3 + 0.3 + 0.2 ran (locking.fair skipped): renormalised over 0.8.
    expect(text).toMatch(/^race_conditions\s+0\.750\s+0\.375\s+1\/2$/m);
    expect(text).toMatch(/^isolation\s+0\.250\s+0\.000\s+0\/1$/m);
    expect(text).toMatch(/^locking\s+-\s+-\s+skipped$/m);
    expect(text).toMatch(/^score\s+0\.375$/m);
    expect(text).toContain('1 check(s) skipped by --only/--category');
    expect(hasAnsi(text)).toBe(false);
  });

  it('lists every failure with its check id and message', () => {
    const text = renderConsoleReport(reportData());
    expect(text).toContain('failures (2 checks)');
    expect(text).toContain(`FAIL race.lost_updates [race_conditions]: Lost updates: expected <126> & got "98"`);
    expect(text).toContain('\n      second line');
    expect(text).toContain('FAIL iso.dirty_reads [isolation]: Dirty reads seen: 3 of 50 samples');
    expect(text).not.toContain('pass rates');
  });

  it('with repeats shows each check’s pass rate and which runs failed', () => {
    const text = renderConsoleReport(reportData(10));
    expect(text).toContain('10 repeats');
    expect(text).toContain('pass rates over 10 repeats');
    expect(text).toMatch(/^ {3}9\/10 {2}race\.lost_updates$/m);
    expect(text).toMatch(/^ {2}10\/10 {2}race\.never_negative$/m);
    expect(text).toMatch(/^ {3}0\/10 {2}iso\.dirty_reads$/m);
    expect(text).toContain('FAIL race.lost_updates [race_conditions] (run 1): Lost updates');
    expect(text).toContain('FAIL iso.dirty_reads [isolation] (runs 1, 2, 3, 4, 5, 6, 7, 8, 9, 10): Dirty reads seen');
  });

  it('keeps control characters and ANSI escapes from messages off the terminal', () => {
    const text = renderConsoleReport(reportData());
    expect(text).toContain(`('sku' A\uFFFD)\n      second line`);
    expect(text).not.toContain('\u0007');
    const data = reportData();
    const message = 'red \x1b[31mX\r\nnext\rover';
    const escaped = { ...data, results: data.results.map((r, i) => (i === 0 ? { ...r, message } : r)) };
    expect(renderConsoleReport(escaped)).toContain('red \uFFFD[31mX\n      next\uFFFDover');
  });

  it('says so when nothing failed', () => {
    const data = reportData();
    const passing = { ...data, results: data.results.filter((r) => r.status !== 'failed') };
    expect(renderConsoleReport(passing)).toContain('no failures');
  });

  it('colours only when chalk is enabled', () => {
    chalk.level = 1;
    const coloured = renderConsoleReport(reportData());
    expect(hasAnsi(coloured)).toBe(true);
    // Padding is applied before colour, so the table still lines up.
    expect(stripVTControlCharacters(coloured)).toBe(((): string => {
      chalk.level = 0;
      return renderConsoleReport(reportData());
    })());
  });
});

describe('formatScore', () => {
  it('never rounds a score below 1 up to 1.000', () => {
    expect(formatScore(1)).toBe('1.000');
    expect(formatScore(0.99996)).toBe('0.999');
    expect(formatScore(0.25)).toBe('0.250');
  });
});
