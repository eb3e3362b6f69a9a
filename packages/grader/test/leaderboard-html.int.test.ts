import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradingSettings } from '../src/batch/content-key.ts';
import type { SubmissionResult } from '../src/batch/result-store.ts';
import { buildLeaderboard } from '../src/leaderboard/leaderboard.ts';
import { renderHtml } from '../src/leaderboard/render-html.ts';
import { tempDir } from './helpers/temp-dirs.ts';

// Debian's chromium package (.ci/run installs it).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHECKS = ['race.sequential_final_stock', 'idempotency.invalid_recorded_once', 'locking.partitions_in_parallel'];
const SETTINGS: GradingSettings = { graderVersion: '0.1.0', graderBuild: 'b', seed: 1, repeat: 1, weights: 'w', checks: CHECKS, containment: 'sandboxed', budgetSeconds: 900 };

function result(model: string, attempt: number, passed: readonly boolean[]): SubmissionResult {
  const score = passed.filter(Boolean).length / passed.length;
  return {
    schemaVersion: 1,
    key: `${model}-${attempt}`,
    submission: { id: `${model}/${attempt}`, model, attempt, kind: 'diff', origin: 't', digest: 'd' },
    status: 'graded',
    score,
    resolved: passed.every(Boolean),
    budgetExceeded: false,
    categories: [],
    checks: Object.fromEntries(CHECKS.map((id, i) => [id, { passed: passed[i] ? 1 : 0, runs: 1 }])),
    durationMs: 1,
    gradedAt: 't',
  };
}

describe('the HTML leaderboard in headless Chromium', () => {
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const results = [
      result('model-<b>', 1, [true, false, false]),
      result('model-a', 1, [true, true, true]),
      result('model-a', 2, [true, true, false]),
      result('model-c', 1, [false, false, false]),
    ];
    const file = join(tempDir('grader-html-'), 'leaderboard.html');
    writeFileSync(file, renderHtml(buildLeaderboard(SETTINGS, results)));
    url = pathToFileURL(file).href;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows every model with its score, sorts on a click, and logs no error', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(url);

    const rows = async (): Promise<string[][]> => {
      const trs = page.locator('#models tbody tr');
      const found: string[][] = [];
      for (let i = 0; i < (await trs.count()); i++) found.push(await trs.nth(i).locator('td').allTextContents());
      return found;
    };
    const initial = await rows();
    // Best mean score first; the model name with markup is shown as text, not as markup.
    expect(initial.map((r) => [r[0], r[2]?.replace(/ ± [\d.]+$/, ' ± h'), r[3]])).toEqual([
      ['model-a', '0.833 ± h', '1/2'],
      ['model-<b>', '0.333', '0/1'],
      ['model-c', '0.000', '0/1'],
    ]);
    // Error bars: model-a's two attempts have an interval, shown on hover; a single attempt says it has none.
    expect(await page.locator('#models tbody tr').first().locator('td').nth(2).getAttribute('title')).toMatch(/^95 % interval -?[\d.]+-[\d.]+$/);
    expect(await page.locator('#models tbody tr').nth(1).locator('td').nth(2).getAttribute('title')).toBe('one attempt: no interval');
    expect(await page.locator('#models b').count()).toBe(0);

    await page.click('#models th:has-text("mean score")');
    expect((await rows()).map((r) => r[0])).toEqual(['model-a', 'model-<b>', 'model-c']);
    await page.click('#models th:has-text("mean score")');
    expect((await rows()).map((r) => r[0])).toEqual(['model-c', 'model-<b>', 'model-a']);
    await page.click('#models th:has-text("model")');
    expect(await page.locator('#models thead th[aria-sort]').allTextContents()).toEqual(['model']);

    // The heat map: one row per check, one cell per model, coloured by its rate.
    const heatRows = page.locator('#heatmap tbody tr');
    expect(await heatRows.count()).toBe(CHECKS.length);
    const first = heatRows.first().locator('td.rate');
    expect(await first.allTextContents()).toEqual(['2/2', '1/1', '0/1']);
    const colours = await Promise.all([0, 1, 2].map((i) => first.nth(i).getAttribute('style')));
    expect(colours[0]).toMatch(/hsl\(120,/);
    expect(colours[2]).toMatch(/hsl\(0,/);
    expect(await page.locator('#heatmap td.rate[title]').count()).toBe(CHECKS.length * 3);
    expect(errors).toEqual([]);
    await page.close();
  });
});
