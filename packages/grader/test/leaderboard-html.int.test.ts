/// <reference lib="dom" />
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

const LONG_NAME = `model-with-a-very-long-name-${'x'.repeat(80)}`;
/** How tables and plots show it: cut, the whole name on hover. */
const LONG_SHOWN = `${LONG_NAME.slice(0, 27)}…`;
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
      result(LONG_NAME, 1, [true, false, true]),
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
      [LONG_SHOWN, '0.667', '0/1'],
      ['model-<b>', '0.333', '0/1'],
      ['model-c', '0.000', '0/1'],
    ]);
    // Error bars: model-a's two attempts have an interval, shown on hover; a single attempt says it has none.
    expect(await page.locator('#models tbody tr').first().locator('td').nth(2).getAttribute('title')).toMatch(/^95 % interval -?[\d.]+-[\d.]+$/);
    expect(await page.locator('#models tbody tr').nth(1).locator('td').nth(2).getAttribute('title')).toBe('one attempt: no interval');
    expect(await page.locator('#models b').count()).toBe(0);

    await page.click('#models th:has-text("mean score")');
    expect((await rows()).map((r) => r[0])).toEqual(['model-a', LONG_SHOWN, 'model-<b>', 'model-c']);
    await page.click('#models th:has-text("mean score")');
    expect((await rows()).map((r) => r[0])).toEqual(['model-c', 'model-<b>', LONG_SHOWN, 'model-a']);
    await page.click('#models th:has-text("model")');
    expect(await page.locator('#models thead th[aria-sort]').allTextContents()).toEqual(['model']);

    // The heat map: one row per check, one cell per model, coloured by its rate.
    const heatRows = page.locator('#heatmap tbody tr');
    expect(await heatRows.count()).toBe(CHECKS.length);
    const first = heatRows.first().locator('td.rate');
    expect(await first.allTextContents()).toEqual(['2/2', '1/1', '1/1', '0/1']);
    const colours = await Promise.all([0, 1, 2, 3].map((i) => first.nth(i).getAttribute('style')));
    expect(colours[0]).toMatch(/hsl\(120,/);
    expect(colours[3]).toMatch(/hsl\(0,/);
    expect(await page.locator('#heatmap td.rate[title]').count()).toBe(CHECKS.length * 4);
    // A long model name does not stretch the heat map's header nor the models table (the whole name is on hover).
    expect((await page.locator('#heatmap thead').boundingBox())?.height ?? 0).toBeLessThan(260);
    expect(await page.locator(`#heatmap th.model[title="${LONG_NAME}"]`).textContent()).toBe(LONG_SHOWN);
    expect((await page.locator(`#models td.name[title="${LONG_NAME}"]`).boundingBox())?.width ?? 0).toBeLessThan(300);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the plots where the numbers say, readable in light and dark, and a long name does not widen them', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await browser.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
      await page.goto(url);
      const plots = page.locator('#plots figure');
      expect(await plots.evaluateAll((figures) => figures.map((f) => f.getAttribute('data-plot')))).toEqual(['scores.svg', 'pass-at-k.svg', 'categories.svg']);

      // The mean score plot: model-a's point sits at 0.833 of the way from the 0 tick to the 1 tick, in its own row.
      const scores = page.locator('figure[data-plot="scores.svg"] svg');
      const tick = async (text: string): Promise<number> => {
        const box = await scores.locator('text.muted', { hasText: new RegExp(`^${text}$`) }).first().boundingBox();
        return (box?.x ?? 0) + (box?.width ?? 0) / 2;
      };
      const [zero, one] = [await tick('0.00'), await tick('1.00')];
      const row = scores.locator('g.row[data-model="model-a"]');
      const point = await row.locator('circle.point').boundingBox();
      const centre = { x: (point?.x ?? 0) + (point?.width ?? 0) / 2, y: (point?.y ?? 0) + (point?.height ?? 0) / 2 };
      expect((centre.x - zero) / (one - zero)).toBeCloseTo(0.833, 2);
      // What is drawn at that spot is that point (not covered, not elsewhere).
      expect(await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('g.row')?.getAttribute('data-model'), centre)).toBe('model-a');
      // model-a has two attempts: a whisker; a single attempt has none, and its tooltip says so.
      expect(await row.locator('line.whisker').count()).toBe(1);
      expect(await scores.locator('g.row[data-model="model-c"] line.whisker').count()).toBe(0);
      expect(await scores.locator('g.row[data-model="model-c"] > title').textContent()).toBe('model-c: mean score 0.000, 1 attempt: no interval');

      // The long name is cut in the plot (whole in its tooltip); the plots keep their width.
      const label = await scores.locator(`g.row[data-model="${LONG_NAME}"] text`).textContent();
      expect(label?.endsWith('…')).toBe(true);
      expect(label?.length).toBeLessThanOrEqual(28);
      for (const figure of await plots.all()) expect((await figure.boundingBox())?.width ?? 0).toBeLessThan(800);

      // Every text reads on what is behind it (WCAG contrast of at least 4.5): headers, cells, heat map cells.
      for (const selector of ['#models thead th', '#models tbody td', '#heatmap td.rate', '#heatmap th.model', 'p.muted']) {
        const ratio = await page.locator(selector).first().evaluate((element) => {
          const rgb = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
          const luminance = ([r = 0, g = 0, b = 0]: number[]): number => {
            const channel = (v: number): number => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
            return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
          };
          // The first ancestor (or itself) with a background that is not transparent.
          let node: Element | null = element;
          let background = 'rgba(0, 0, 0, 0)';
          while (node && /rgba\(0, 0, 0, 0\)|transparent/.test(background)) {
            background = getComputedStyle(node).backgroundColor;
            node = node.parentElement;
          }
          if (/rgba\(0, 0, 0, 0\)|transparent/.test(background)) background = 'rgb(255, 255, 255)';
          const [l1, l2] = [luminance(rgb(getComputedStyle(element).color)), luminance(rgb(background))];
          return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
        });
        expect(ratio, `${selector} in ${scheme}`).toBeGreaterThanOrEqual(4.5);
      }
      // The plots' text is dark on light and light on dark.
      const ink = await scores.locator('text').first().evaluate((t) => getComputedStyle(t).fill);
      expect(ink).toBe(scheme === 'light' ? 'rgb(34, 34, 34)' : 'rgb(238, 238, 238)');
      // The heat map has its scale: red at 0, green at 1.
      const scale = page.locator('figure[data-plot="categories.svg"] rect.scale');
      expect(await scale.first().getAttribute('fill')).toMatch(/^hsl\(0,/);
      expect(await scale.last().getAttribute('fill')).toMatch(/^hsl\(120,/);
      if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `leaderboard-${scheme}.png`), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    }
  });
});
