/**
 * The home page, a run page and the build report in a real browser: built from
 * test/fixtures/site-runs/ by `runpages build`, served by `runpages preview`'s server on loopback,
 * opened in Debian's Chromium at desktop and phone widths, light and dark. Screenshots go to
 * test-output/screenshots/ (look at them when changing the design).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../src/site/preview.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { sharedSite } from './helpers/shared-site.ts';

const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const BASELINE = '01JDV0A000000000000000000A';
const HOSTILE = '01JDV0C000000000000000000C';

let server: PreviewServer;
let browser: Browser;

beforeAll(async () => {
  // The same build as build.test.ts checks (one build for both).
  const { build, out } = await sharedSite('site-runs', ['--base', '/sub/', '--json']);
  expect(build.code, build.stderr).toBe(0);
  server = await serveSite(out, '/sub/');
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens `path` (relative to the base) and records console errors, page errors and failed requests. */
async function open(path: string, options: { width?: number; height?: number; dark?: boolean } = {}): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  const problems = collectErrors(page, { requests: true });
  await page.goto(server.url + path, { waitUntil: 'networkidle' });
  return { page, problems };
}

const PAGES: [string, string][] = [
  ['home', ''],
  ['run', `r/${BASELINE}/`],
  ['run-hostile', `r/${HOSTILE}/`],
  ['report', 'report/'],
];

describe('site pages in Chromium', () => {
  for (const [name, path] of PAGES) {
    it(`${name} loads without console errors at desktop, phone and dark`, async () => {
      for (const [variant, options] of [
        ['desktop', {}],
        ['phone', { width: 390, height: 844 }],
        ['dark', { dark: true }],
      ] as const) {
        const { page, problems } = await open(path, options);
        await page.screenshot({ path: join(SCREENSHOTS, `site-${name}-${variant}.png`), fullPage: true });
        expect(problems, `${name} ${variant}`).toEqual([]);
        // No horizontal scrolling of the page itself (wide tables scroll inside their own box).
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${name} ${variant} horizontal overflow`).toBeLessThanOrEqual(0);
        await page.close();
      }
    });
  }

  it('runs no script from run text (names, tags, params, notes)', async () => {
    for (const path of [`r/${HOSTILE}/`, `r/${BASELINE}/`, '']) {
      const { page } = await open(path);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), path).toBeUndefined();
      expect(await page.locator('h1').first().textContent()).not.toBe('');
      await page.close();
    }
    const { page } = await open(`r/${HOSTILE}/`);
    expect(await page.locator('h1').textContent()).toBe('<b>evil</b> "run"');
    await page.close();
  });

  it('draws run charts interactively once on screen (log scale, smoothing), and filters params', async () => {
    const { page, problems } = await open(`r/${BASELINE}/`);
    const figure = page.locator('[data-chart]', { hasText: 'train/loss' });
    await figure.scrollIntoViewIfNeeded();
    await expect.poll(() => figure.locator('svg.live-svg').count(), { timeout: 10_000 }).toBe(1);
    // The static chart and its toggles give way to the interactive one.
    expect(await figure.locator('[data-static-chart]').isVisible()).toBe(false);
    expect(await figure.locator('[data-log-toggle]').isVisible()).toBe(false);
    const log = figure.locator('[data-live-log]');
    await log.click();
    expect(await log.getAttribute('aria-pressed')).toBe('true');
    await figure.locator('[data-live-smooth]').fill('0.9');
    const smoothed = figure.locator('path[data-smoothed]');
    expect(await smoothed.count()).toBe(1);
    expect(await smoothed.getAttribute('d')).not.toBe(await figure.locator('path[data-raw]').getAttribute('d'));
    await page.screenshot({ path: join(SCREENSHOTS, 'site-run-chart-toggles.png') });
    await figure.locator('[data-live-smooth]').fill('0');
    expect(await figure.locator('path[data-smoothed]').count()).toBe(0);

    const rows = page.locator('[data-param-row]');
    expect(await rows.count()).toBe(5);
    await page.locator('[data-params-filter]').fill('optim');
    expect(await page.locator('[data-param-row]:visible').count()).toBe(2);
    expect(await page.locator('[data-params-count]').textContent()).toBe('2 of 5');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('moves keyboard focus to the skip link first, and it jumps to the content', async () => {
    const { page } = await open(`r/${BASELINE}/`);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    expect(focused).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#main');
    await page.close();
  });

  it('answers an unknown run URL with the 404 page, linking back home', async () => {
    const { page } = await open('r/no-such-run/');
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await page.getByRole('link', { name: 'All projects' }).getAttribute('href')).toBe('/sub/');
    await page.close();
  });

  it('links from the home page to a run page under the base path', async () => {
    const { page } = await open('');
    await page.getByRole('link', { name: 'brave-otter-1' }).first().click();
    await page.waitForURL(`**/sub/r/${BASELINE}/`);
    expect(await page.locator('h1').textContent()).toBe('brave-otter-1');
    await page.close();
  });
});
