/**
 * The comparison pages in Debian's Chromium: the ad hoc /compare/ page (tables, overlaid charts,
 * id prefixes, clear messages for bad ids), and screenshots of the summary and saved comparison on
 * desktop, phone and paper. Screenshots go to test-output/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../src/site/preview.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { sharedSite } from './helpers/shared-site.ts';

const SCREENSHOTS = new URL('../test-output/screenshots/', import.meta.url).pathname;
const BASE = '/models/';
const NOW = '2026-11-22T00:00:00Z';
const PHONE = { width: 390, height: 844 };

let server: PreviewServer;
let browser: Browser;
let errors: string[] = [];

beforeAll(async () => {
  // The same build as compare-site.test.ts reads (one build for both).
  const site = await sharedSite('compare-site', ['--base', BASE, '--now', NOW]);
  expect(site.build.code).toBe(0);
  server = await serveSite(site.out, BASE);
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  errors = [];
  const page = await browser.newPage({ viewport });
  collectErrors(page, { into: errors, label: path });
  await page.goto(new URL(path, server.url).href);
  return page;
}

/** Waits until the compare page has either rendered or shown its message. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-status]')?.hidden === true);
}

const texts = (page: Page, selector: string) => page.$$eval(selector, (nodes) => nodes.map((node) => (node.textContent ?? '').replace(/\s+/g, ' ').trim()));

describe('the ad hoc comparison', () => {
  it('renders tables and overlaid charts for three runs from id prefixes, with no console errors', async () => {
    const page = await open('compare/?runs=01JC1A,01JC1B,01JC2C&baseline=01JC1A');
    await settled(page);
    expect(await page.isVisible('[data-content]')).toBe(true);
    expect(await page.isVisible('[data-message]')).toBe(false);
    expect(await page.textContent('[data-title]')).toBe('Compare 3 runs');
    expect(await texts(page, '.cmp-metrics thead th a')).toEqual(['calm-fox-1', 'quiet-lynx-7', 'brave-otter-12']);
    expect(await texts(page, 'tr[data-metric="val/acc"] .cmp-delta')).toEqual(['+2.1 pt (+2.3 %)', '+3.2 pt (+3.5 %)']);
    expect(await page.$$eval('tr[data-metric="val/loss"] td', (tds) => tds.map((td) => td.className))).toEqual([
      'cmp-num',
      'cmp-num cmp-better',
      'cmp-num cmp-better cmp-best',
    ]);
    expect(await texts(page, '.cmp-params tr.cmp-differs th')).toEqual(['batch', 'lr', 'model.depth']);
    // One overlaid chart for val/loss with a line per run and a legend naming them.
    expect(await page.$$eval('[data-charts] figure[data-series="val/loss"] svg[aria-label] [aria-label="line"] path', (paths) => paths.length)).toBe(3);
    expect(await texts(page, '[data-charts] [class$="-swatch"]')).toEqual(['calm-fox-1', 'quiet-lynx-7', 'brave-otter-12']);
    expect(await page.title()).toBe('Compare calm-fox-1, quiet-lynx-7, brave-otter-12 · Acme models');
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('hides equal params on request and aligns curves by time since start', async () => {
    const page = await open('compare/?runs=01JC1A,01JC1B,01JC2C');
    await settled(page);
    const equalRow = page.locator('.cmp-params tr.cmp-equal');
    expect(await equalRow.isVisible()).toBe(true);
    await page.check('[data-hide-equal]');
    expect(await equalRow.isVisible()).toBe(false);
    await page.check('input[name="align"][value="elapsed"]');
    expect(await page.getAttribute('[data-charts] svg[aria-label]', 'aria-label')).toBe('Validation loss by time for calm-fox-1, quiet-lynx-7, brave-otter-12');
    expect(await texts(page, '[data-charts] svg[aria-label] [aria-label="x-axis label"]')).toEqual(['seconds since start →']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows params against a metric when more than five runs are compared', async () => {
    const all = ['01JC1A', '01JC1B', '01JC2C', '01JC2D', '01JD0E', '01JD0F'].join(',');
    const page = await open(`compare/?runs=${all}`, PHONE);
    await settled(page);
    expect(await page.isVisible('[data-scatter-section]')).toBe(true);
    // Runs of two projects: the headline leads with the baseline project's goal metric.
    expect(await page.textContent('[data-headline]')).toBe(
      '6 runs compared against calm-fox-1; eager-wolf-3 (failed) is best on validation accuracy: 97.0 %, +6.1 pt against the baseline.',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-phone.png'), fullPage: true });
    // Wide tables scroll inside their box; the page itself never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await page.$$eval('[data-scatter] svg[aria-label] [aria-label="dot"] circle', (dots) => dots.length)).toBeGreaterThan(0);
    await page.selectOption('[data-scatter-y]', 'val/acc');
    expect(await page.getAttribute('[data-scatter] svg[aria-label]', 'aria-label')).toMatch(/^Validation accuracy against /);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says clearly which id is unknown, and still compares the others', async () => {
    const page = await open('compare/?runs=nope,01JC1A,01JC2C');
    await settled(page);
    expect(await page.isVisible('[data-message]')).toBe(true);
    expect(await page.textContent('[data-message] h2')).toBe('Some runs could not be found');
    expect(await page.textContent('[data-message] li')).toContain('No run id starts with "nope" and no run has that name.');
    expect(await page.isVisible('[data-content]')).toBe(true);
    expect(await texts(page, '.cmp-metrics thead th a')).toEqual(['calm-fox-1', 'brave-otter-12']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('changes the baseline from a menu, keeps it in the address, and writes the file to save the comparison', async () => {
    const page = await open('compare/?runs=01JC1A,01JC1B,01JC2C');
    await settled(page);
    expect(await page.inputValue('[data-baseline-select]')).toMatch(/^01JC1A/);
    const ids = await page.$$eval('[data-baseline-select] option', (options) => options.map((o) => (o as HTMLOptionElement).value));
    await page.selectOption('[data-baseline-select]', ids[2]!);
    await page.waitForFunction(() =>
      document.querySelector('.cmp-metrics thead th .badge, .cmp-metrics thead th')?.parentElement?.textContent?.includes('baseline'),
    );
    expect(await page.textContent('[data-baseline-note]')).toBe('deltas against brave-otter-12');
    expect(new URL(page.url()).searchParams.get('baseline')).toBe(ids[2]);
    // The deltas are now against brave-otter-12: its own column has none.
    expect(await texts(page, 'tr[data-metric="val/acc"] .cmp-delta')).toHaveLength(2);
    const yaml = await page.inputValue('[data-save-yaml]');
    expect(yaml).toContain(`runs: [${ids.map((id) => JSON.stringify(id)).join(', ')}]`);
    expect(yaml).toContain(`baseline: ${JSON.stringify(ids[2])}`);
    await page.fill('[data-save-title]', 'Depth sweep: "deeper" wins');
    expect(await page.inputValue('[data-save-slug]')).toBe('depth-sweep-deeper-wins');
    expect(await page.inputValue('[data-save-yaml]')).toContain('title: "Depth sweep: \\"deeper\\" wins"');
    // The CSV follows the chosen baseline.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-csv]')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/brave-otter-12 \(01JC2C\w+\) \[baseline\]$/);
    await page.fill('[data-save-slug]', 'Bad Slug');
    expect(await page.getAttribute('[data-save-slug]', 'aria-invalid')).toBe('true');
    expect(await page.isHidden('[data-save-github]')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws the run table's groups as mean curves with a band, from the same run data", async () => {
    const page = await open('p/mnist/runs/?sweeps=1&group=params.batch');
    await page.waitForSelector('.sw-grouped svg path[data-group]');
    expect(await page.$$eval('.sw-grouped svg path[data-group]', (paths) => paths.map((p) => p.getAttribute('data-group')))).toEqual(['64', '128']);
    expect(await page.textContent('.sw-grouped-box .sw-legend')).toMatch(/64 \(2 runs\).*128 \(2 runs\).*±1 standard deviation/);
    await page.selectOption('.sw-grouped-box select >> nth=1', 'minmax');
    await page.waitForFunction(() => document.querySelector('.sw-grouped-box .sw-legend')?.textContent?.includes('the min and max'));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('falls back to the first run when the baseline is not among the runs, and says so', async () => {
    const page = await open('compare/?runs=01JC2C,01JC1A&baseline=zzz');
    await settled(page);
    expect(await page.textContent('[data-message] li')).toBe('The baseline "zzz" is not one of the compared runs; the first run is the baseline instead.');
    expect(await texts(page, '.cmp-metrics thead th')).toEqual(['Metric', 'brave-otter-12 baseline01JC2CCCCC', 'calm-fox-101JC1AAAAA']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the candidates of an ambiguous prefix instead of showing a blank page', async () => {
    const page = await open('compare/?runs=01JC1');
    await settled(page);
    expect(await page.textContent('[data-message] h2')).toBe('No run to compare');
    expect(await page.textContent('[data-message] li')).toContain('"01JC1" matches 2 runs: 01JC1AAAAA000000000000000A, 01JC1BBBBB000000000000000B.');
    expect(await page.isVisible('[data-content]')).toBe(false);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-bad-id.png') });
    // Each candidate is one click away.
    await page.click('[data-message] a:has-text("quiet-lynx-7")');
    await settled(page);
    expect(await texts(page, '.cmp-metrics thead th a')).toEqual(['quiet-lynx-7']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('explains how to choose runs when none are given', async () => {
    const page = await open('compare/');
    await settled(page);
    expect(await page.textContent('[data-message] h2')).toBe('No runs chosen');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the summary and saved comparison in the browser', () => {
  it('renders the summary on desktop and phone without errors, and copies its link', async () => {
    const page = await open('p/mnist/');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    expect(await page.textContent('[data-headline]')).toContain('The best model reaches 94.1 % validation accuracy');
    await page.screenshot({ path: join(SCREENSHOTS, 'summary-desktop.png'), fullPage: true });
    await page.click('[data-copy-link]');
    await page.waitForFunction(() => document.querySelector('[data-copy-link]')?.textContent === 'Link copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(new URL('p/mnist/', server.url).href);
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SCREENSHOTS, 'summary-phone.png'), fullPage: true });
    // Nothing wider than the phone's screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('prints the saved comparison on at most two pages', async () => {
    const page = await open('c/lr-sweep/', PHONE);
    await page.screenshot({ path: join(SCREENSHOTS, 'saved-comparison-phone.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(SCREENSHOTS, 'saved-comparison-desktop.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('[data-copy-link]')).toBe(false);
    await page.screenshot({ path: join(SCREENSHOTS, 'saved-comparison-print.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, path: join(SCREENSHOTS, 'saved-comparison.pdf') });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
