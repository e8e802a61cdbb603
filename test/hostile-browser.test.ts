/**
 * The hostile corpus's site in Chromium: every page type (home, project summary, run table with
 * search and grouping on the payloads, each shown hostile run, compare of hostile runs, report) is
 * opened with payloads that would set `window.__pwned`, open a dialog or navigate away. None may
 * happen, and the Content-Security-Policy must never have been needed to stop one: a
 * securitypolicyviolation means an injection reached the page and only the CSP saved it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../src/site/preview.ts';
import { launchBrowser, serveSite } from './helpers/browser.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { hostileCases, writeHostileCorpus } from './helpers/hostile.ts';

const shown = hostileCases().filter((c) => c.outcome === 'shown' && !c.generated);
let work: string;
let server: PreviewServer;
let browser: Browser;

beforeAll(async () => {
  work = tempDir('runpages-hostile-browser-');
  writeHostileCorpus(join(work, 'corpus'), { large: false });
  const build = await runCli(['build', '--from', 'corpus', '--out', 'out'], { cwd: work, timeoutMs: 300_000 });
  expect(build.code, build.stderr).toBe(0);
  server = await serveSite(join(work, 'out'));
  browser = await launchBrowser();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Visit {
  pwned: unknown;
  dialogs: string[];
  navigations: string[];
  violations: string[];
}

/** Opens `path`, lets `act` interact, and reports what hostile content managed to do. */
async function visit(path: string, act?: (page: import('playwright-core').Page) => Promise<void>): Promise<Visit> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  const navigations: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sample})`),
    );
  });
  const target = new URL(path, server.url).href;
  let status = 0;
  page.on('response', (response) => {
    if (response.url() === target) status = response.status();
  });
  page.on('framenavigated', (frame) => {
    // The table keeps its state in the query string (replaceState): only another page counts.
    const url = new URL(frame.url());
    if (frame === page.mainFrame() && url.origin + url.pathname !== new URL(target).origin + new URL(target).pathname) navigations.push(frame.url());
  });
  await page.goto(target, { waitUntil: 'networkidle' });
  expect(status, `${path} was not served`).toBe(200);
  if (act) await act(page);
  // Give timers and lazily loaded scripts a chance to fire a payload.
  await page.waitForTimeout(300);
  const result = await page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    violations: (window as unknown as { __violations: string[] }).__violations,
  }));
  await page.close();
  return { pwned: result.pwned, dialogs, navigations, violations: result.violations };
}

function expectSafe(result: Visit, label: string): void {
  expect(result.pwned, `${label}: window.__pwned was set`).toBeUndefined();
  expect(result.dialogs, `${label}: dialogs`).toEqual([]);
  expect(result.navigations, `${label}: navigated away`).toEqual([]);
  expect(result.violations, `${label}: the CSP had to block an injection`).toEqual([]);
}

describe('hostile runs in Chromium', () => {
  it('home, project summary and report run nothing from run text', async () => {
    for (const path of ['', 'p/hostile/', 'report/']) expectSafe(await visit(path), path || 'home');
  });

  it('the run table renders, searches and groups payloads as text', async () => {
    const result = await visit('p/hostile/runs/', async (page) => {
      await page.waitForSelector('table');
      const rows = await page.locator('tbody tr').count();
      expect(rows).toBeGreaterThan(5);
      const text = await page.locator('main').innerText();
      expect(text).toContain('name <img src=x onerror="window.__pwned=1">');
      const search = page.locator('input[type="search"]').first();
      await search.fill('pwned');
      await page.waitForTimeout(500);
    });
    expectSafe(result, 'run table');
    expectSafe(await visit('p/hostile/runs/?group=user&q=script'), 'run table grouped');
  });

  it('every shown hostile run page runs nothing', async () => {
    expect(shown.length).toBeGreaterThan(15);
    for (const c of shown) expectSafe(await visit(`r/${c.id}/`), c.folder);
  });

  it('the notes link with javascript: is inert text, not a link', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('r/xss-notes/', server.url).href);
    const hrefs = await page.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.filter((href) => /^\s*(javascript|data):/i.test(href))).toEqual([]);
    await page.close();
  });

  it('compare of hostile runs runs nothing', async () => {
    const ids = ['xss-name', 'xss-params', 'xss-metric-names', 'script-close-in-json', 'numbers-extreme', 'xss-provenance'];
    const result = await visit(`compare/?runs=${ids.join(',')}&baseline=xss-name`, async (page) => {
      const text = await page.locator('main').innerText();
      expect(text).toContain('window.__pwned');
    });
    expectSafe(result, 'compare');
  });
});
