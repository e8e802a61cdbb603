/**
 * Interactive charts in a real browser (site/src/scripts/chart/): built from
 * test/fixtures/compare-site/ (three MNIST runs whose `val/loss` series carry times, one with an
 * `epoch` series added here), served on loopback and opened in Chromium. The static SVG stays the
 * page without JavaScript; these tests check what the script adds over it.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../src/site/preview.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';

const FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;
const BASE = '/models/';
const NOW = '2026-11-22T00:00:00Z';
const A = '01JC1AAAAA000000000000000A';
const B = '01JC1BBBBB000000000000000B';
const C = '01JC2CCCCC000000000000000C';

let work: string;
let server: PreviewServer;
let browser: Browser;

beforeAll(async () => {
  work = tempDir('runpages-chart-browser-');
  cpSync(FIXTURE, work, { recursive: true });
  // Every run also logs its epoch, so the x-axis menu can offer it.
  for (const id of [A, B, C]) {
    const file = join(work, 'runs/mnist/2026-11', id, 'series.json');
    const series = JSON.parse(readFileSync(file, 'utf8')) as { series: Record<string, { step: number[]; value: number[] }> };
    const steps = series.series['val/loss']!.step;
    series.series.epoch = { step: steps, value: steps.map((step) => step / 100) };
    writeFileSync(file, JSON.stringify(series));
  }
  // Validation loss is configured as neither better high nor low: comparisons give it no verdict.
  const config = join(work, 'runpages.config.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace('        label: Validation loss\n', '        label: Validation loss\n        direction: none\n'));
  const build = await runCli(['build', '--from', 'runs', '--out', 'site', '--base', BASE, '--now', NOW], { cwd: work, timeoutMs: 300_000 });
  expect(build.code, build.stderr).toBe(0);
  server = await serveSite(join(work, 'site'), BASE);
  browser = await launchBrowser();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function open(path: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems = collectErrors(page, { requests: true });
  await page.goto(server.url + path, { waitUntil: 'networkidle' });
  return { page, problems };
}

/** The interactive chart of series `name`, once the script has drawn it (it waits to be on screen). */
async function liveChart(page: Page, name: string): Promise<Locator> {
  const figure = page.locator(`[data-live-chart="${name}"]`).first();
  await figure.scrollIntoViewIfNeeded();
  await expect.poll(() => figure.locator('svg.live-svg').count(), { timeout: 10_000 }).toBe(1);
  return figure;
}

async function readout(figure: Locator): Promise<string> {
  return ((await figure.locator('[data-live-readout]').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

describe('interactive charts', () => {
  it('reads the value under the pointer on a run page, formatted as configured', async () => {
    const { page, problems } = await open(`r/${A}/`);
    const figure = await liveChart(page, 'val/loss');
    expect(await figure.locator('[data-static-chart]').isHidden()).toBe(true);
    const svg = figure.locator('svg.live-svg');
    const box = (await svg.boundingBox())!;
    // The right edge is the last point: step 400, val/loss 0.31 with `digits: 2`.
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    expect(await readout(figure)).toBe('step 400: calm-fox-1 0.31');
    await page.mouse.move(box.x + 62, box.y + box.height / 2);
    expect(await readout(figure)).toBe('step 0: calm-fox-1 1.00');
    // Every axis label lies inside the chart: the label column is as wide as its longest label.
    for (const label of await svg.locator('.live-ticks text').all()) {
      const at = (await label.boundingBox())!;
      expect(at.x, (await label.textContent()) ?? '').toBeGreaterThanOrEqual(box.x);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('moves the readout with the arrow keys on a focused chart', async () => {
    const { page } = await open(`r/${A}/`);
    const figure = await liveChart(page, 'val/loss');
    await figure.locator('svg.live-svg').focus();
    expect(await readout(figure)).toBe('step 0: calm-fox-1 1.00');
    await page.keyboard.press('ArrowRight');
    expect(await readout(figure)).toBe('step 100: calm-fox-1 0.83');
    await page.keyboard.press('End');
    expect(await readout(figure)).toBe('step 400: calm-fox-1 0.31');
    await page.close();
  });

  it('zooms to a dragged range and resets', async () => {
    const { page } = await open(`r/${A}/`);
    const figure = await liveChart(page, 'val/loss');
    const svg = figure.locator('svg.live-svg');
    const box = (await svg.boundingBox())!;
    const ticks = () => svg.locator('.live-ticks text').allTextContents();
    const before = await ticks();
    const reset = figure.locator('[data-live-reset]');
    expect(await reset.isVisible()).toBe(false);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    expect(await reset.isVisible()).toBe(true);
    expect(await ticks()).not.toEqual(before);
    await reset.click();
    expect(await ticks()).toEqual(before);
    expect(await reset.isVisible()).toBe(false);
    await page.close();
  });

  it('offers relative time, wall time and epoch as x axes when the runs logged them', async () => {
    const { page } = await open(`r/${A}/`);
    const figure = await liveChart(page, 'val/loss');
    const select = figure.locator('select[data-live-x]');
    expect(await select.locator('option').allTextContents()).toEqual(['step', 'relative time', 'wall time', 'epoch']);
    await select.selectOption({ label: 'relative time' });
    await figure.locator('svg.live-svg').focus();
    await page.keyboard.press('End');
    expect(await readout(figure)).toBe('relative time 2 min 0 s: calm-fox-1 0.31');
    await select.selectOption({ label: 'epoch' });
    await page.keyboard.press('End');
    expect(await readout(figure)).toBe('epoch 4: calm-fox-1 0.31');
    await page.close();
  });

  it('smooths with the raw line faint behind, and draws a log scale', async () => {
    const { page } = await open(`r/${A}/`);
    const figure = await liveChart(page, 'val/loss');
    await figure.locator('[data-live-smooth]').fill('0.6');
    expect(await figure.locator('path[data-smoothed]').count()).toBe(1);
    expect(await figure.locator('path[data-raw]').getAttribute('stroke-opacity')).toBe('0.25');
    const log = figure.locator('[data-live-log]');
    await log.click();
    expect(await log.getAttribute('aria-pressed')).toBe('true');
    await page.close();
  });

  it('downloads a chart as SVG and PNG that look as on screen without the site stylesheet', async () => {
    const { page, problems } = await open('c/lr-sweep/');
    const figure = await liveChart(page, 'val/loss');
    const [svgFile] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: 'SVG', exact: true }).click()]);
    expect(svgFile.suggestedFilename()).toBe('Validation_loss.svg');
    const text = readFileSync((await svgFile.path())!, 'utf8');
    expect(text).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Colours travel as attributes (three runs, three colours), not as classes of the site's CSS.
    expect(text).not.toMatch(/ class=/);
    expect(new Set([...text.matchAll(/<path [^>]*stroke="(rgb\([^"]+\))"/g)].map((m) => m[1])).size).toBeGreaterThanOrEqual(3);
    const [pngFile] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: 'PNG', exact: true }).click()]);
    expect(pngFile.suggestedFilename()).toBe('Validation_loss.png');
    expect(
      readFileSync((await pngFile.path())!)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists every overlaid run in the readout of a saved comparison, in the colours of its legend', async () => {
    const { page, problems } = await open('c/lr-sweep/');
    const figure = await liveChart(page, 'val/loss');
    await figure.locator('svg.live-svg').focus();
    const text = await readout(figure);
    expect(text).toMatch(/^step 0: calm-fox-1 1\.00 quiet-lynx-7 1\.00 brave-otter-12 1\.00$/);
    const colours = await figure.locator('.live-swatch').evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).style.background));
    expect(new Set(colours).size).toBe(3);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('reads the best-so-far chart of a project summary by date, as a percent', async () => {
    const { page, problems } = await open('p/mnist/');
    const figure = await liveChart(page, 'best');
    expect(await figure.locator('select[data-live-x] option').allTextContents()).toEqual(['wall time']);
    await figure.locator('svg.live-svg').focus();
    await page.keyboard.press('End');
    expect(await readout(figure)).toBe('wall time 2026-11-20 10:00:00 UTC: best Validation accuracy 94.1 %');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('makes the ad hoc comparison charts interactive too', async () => {
    const { page, problems } = await open(`compare/?runs=${A},${B},${C}`);
    const figure = await liveChart(page, 'val/loss');
    await figure.locator('svg.live-svg').focus();
    expect(await readout(figure)).toBe('step 0: calm-fox-1 1.00 quiet-lynx-7 1.00 brave-otter-12 1.00');
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('metric directions in the browser', () => {
  it('gives a metric configured `direction: none` no better/worse verdict on /compare/', async () => {
    const { page, problems } = await open(`compare/?runs=${A},${B},${C}`);
    const loss = page.locator('tr[data-metric="val/loss"]');
    await expect.poll(() => loss.count(), { timeout: 10_000 }).toBe(1);
    expect(await loss.locator('.cmp-better, .cmp-worse, .cmp-best').count()).toBe(0);
    expect(await loss.textContent()).not.toMatch(/better|worse/);
    expect(await loss.locator('.cmp-delta').count()).toBeGreaterThan(0);
    // Accuracy keeps its verdicts: the test would pass vacuously if no row had any.
    const acc = page.locator('tr[data-metric="val/acc"]');
    expect(await acc.locator('.cmp-better, .cmp-worse').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('charts on a phone', () => {
  for (const path of [`compare/?runs=${A},${B},${C}`, 'p/mnist/', 'c/lr-sweep/', `r/${A}/`]) {
    it(`keeps every chart of ${path} within a 390 px viewport`, async () => {
      const { page } = await open(path, 390);
      await page.locator('main').evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForTimeout(300);
      const widths = await page.evaluate(() =>
        [...document.querySelectorAll('svg')].filter((svg) => svg.closest('figure')).map((svg) => Math.round(svg.getBoundingClientRect().right)),
      );
      expect(widths.length).toBeGreaterThan(0);
      for (const right of widths) expect(right).toBeLessThanOrEqual(390);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
    });
  }

  for (const path of [`compare/?runs=${A},${B},${C}`, 'p/mnist/', 'c/lr-sweep/']) {
    it(`reflows the delta, leaderboard and activity tables of ${path} instead of scrolling them sideways`, async () => {
      const { page } = await open(path, 390);
      await expect.poll(() => page.locator('.cmp-reflow').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      const scrolled = await page.evaluate(() =>
        [...document.querySelectorAll('.cmp-reflow')].map((table) => {
          const box = table.parentElement!;
          return box.scrollWidth - box.clientWidth;
        }),
      );
      for (const extra of scrolled) expect(extra).toBeLessThanOrEqual(0);
      // Values keep their unit on the same line: "94.1 %" is joined by a non-breaking space.
      const percents = await page.locator('.cmp-reflow td').allTextContents();
      const withPercent = percents.filter((text) => text.includes('%'));
      expect(withPercent.length).toBeGreaterThan(0);
      for (const text of withPercent) expect(text).not.toMatch(/\d %/);
      await page.close();
    });
  }

  it('shows every project in the navigation of a phone', async () => {
    const { page } = await open('', 390);
    const links = page.locator('header nav a');
    expect(await links.count()).toBe(2);
    for (const link of await links.all()) {
      const box = (await link.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await page.close();
  });
});
