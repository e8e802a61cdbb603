/**
 * Lean run pages (`site.runPages`): the fixture runs (test/fixtures/site-runs) built by
 * `runpages build` with `site.runPages: 2`, so the two best runs keep full pages and the other four
 * get lean ones at the same URL; then the lean pages in Debian's Chromium, served on loopback by the
 * preview server, drawn from the run data shards. Screenshots go to test-output/screenshots/.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../src/site/preview.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { checkLinks } from './helpers/links.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/site-runs/', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
/** The best run of each project (vision by val/acc, nlp by perplexity): linked from summaries, so full. */
const FULL = { visionBest: '01JDV0B000000000000000000B', nlpBest: '01JDV0F000000000000000000F' };
const LEAN = {
  baseline: '01JDV0A000000000000000000A',
  hostile: '01JDV0C000000000000000000C',
  running: '01JDV0D000000000000000000D',
  killed: '01JDV0E000000000000000000E',
};
/** Budget per lean page: at 100k runs, 3 KB of HTML a run is 300 MB of the 1 GB GitHub Pages allows. */
const LEAN_PAGE_BYTES = 3 * 1024;

let work: string;
let build: CliResult;
let server: PreviewServer;
let browser: Browser;
const page = (id: string) => readFileSync(join(work, 'out', 'r', id, 'index.html'), 'utf8');
const meta = (html: string, property: string) => new RegExp(`<meta property="${property}" content="([^"]*)"`).exec(html)?.[1];

beforeAll(async () => {
  work = tempDir('runpages-lean-');
  cpSync(FIXTURE, join(work, 'runs'), { recursive: true });
  // A metric label and format, which lean pages fetch (data/<project>/metrics.json) and apply as full pages do.
  writeFileSync(
    join(work, 'runpages.config.yaml'),
    'site:\n  runPages: 2\nprojects:\n  vision:\n    metrics:\n      val/acc: { label: Validation accuracy, format: percent, digits: 1 }\n',
  );
  // A clock near the fixture's runs: the running run started 4 hours before (later it would show as crashed).
  build = await runCli(['build', '--from', 'runs', '--out', 'out', '--base', '/sub/'], {
    cwd: work,
    timeoutMs: 300_000,
    env: { RUNPAGES_NOW: '2026-11-20T12:00:00Z' },
  });
  expect(build.code, build.stderr).toBe(0);
  server = await serveSite(join(work, 'out'), '/sub/');
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a build with site.runPages: 2', () => {
  it('pre-renders the runs other pages point at in full, with their params table and charts', () => {
    for (const id of Object.values(FULL)) {
      const html = page(id);
      expect(html, id).toContain('<table class="data params"');
      expect(html, id).not.toContain('data-lean-run');
    }
    expect(page(FULL.visionBest)).toMatch(/<svg[^>]*aria-label="val\/acc by step"/);
  });

  it('gives the others a lean page at the same URL: no params table, no charts, the run and its shard named for the script', () => {
    for (const id of Object.values(LEAN)) {
      const html = page(id);
      expect(html, id).toContain(`data-lean-run="${id}"`);
      expect(html, id).toMatch(/data-shard="\d+"/);
      expect(html, id).not.toContain('class="data params"');
      expect(html, id).not.toContain('<svg role="img"');
      expect(html, id).not.toContain('Traceback');
    }
  });

  it('keeps the full page’s title and link preview on lean pages', () => {
    const baseline = page(LEAN.baseline);
    expect(baseline).toContain('<title>brave-otter-1 · vision · runpages</title>');
    expect(meta(baseline, 'og:title')).toBe('brave-otter-1 · vision');
    expect(meta(baseline, 'og:description')).toBe('Finished run in vision · throughput/samples_per_s 13,921.4 by alice, 1 Nov 2026, 10:00 UTC.');
    expect(baseline).toContain(
      '<meta name="description" content="Finished run in vision · throughput/samples_per_s 13,921.4 by alice, 1 Nov 2026, 10:00 UTC.">',
    );
    expect(meta(page(LEAN.killed), 'og:description')).toBe('Killed run in nlp · perplexity 12.4 by dave, 15 Oct 2026, 08:00 UTC.');
  });

  it('shows breadcrumb, name and status without JavaScript, and says how to see the rest', () => {
    const html = page(LEAN.running);
    expect(html).toContain('<a href="/sub/p/vision/runs/">Runs</a>');
    expect(html).toContain('<h1>quick-lynx-4</h1>');
    expect(html).toContain('<span class="badge status-running">running</span>');
    expect(html).toMatch(
      /<noscript>.*On sites of more than 2 runs, a run's details are drawn in the browser.*<code>runpages show 01JDV0D000000000000000000D<\/code>.*<\/noscript>/s,
    );
    // The hostile run's name is escaped text in the title and the heading.
    expect(page(LEAN.hostile)).toContain('<h1>&lt;b&gt;evil&lt;/b&gt; &quot;run&quot;</h1>');
    expect(checkLinks(join(work, 'out'), '/sub/').broken).toEqual([]);
  });

  it(`keeps each lean page within ${LEAN_PAGE_BYTES} bytes of HTML`, () => {
    for (const id of Object.values(LEAN)) expect(statSync(join(work, 'out', 'r', id, 'index.html')).size, id).toBeLessThanOrEqual(LEAN_PAGE_BYTES);
  });
});

/** Opens a run page; records console errors, failed requests, CSP violations and dialogs (alert). */
async function open(id: string, options: { width?: number; dark?: boolean } = {}): Promise<{ page: Page; problems: string[] }> {
  const tab = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 900 }, colorScheme: options.dark ? 'dark' : 'light' });
  const problems = collectErrors(tab, { requests: true });
  tab.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await tab.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP violation: ${event.violatedDirective}`));
  });
  await tab.goto(`${server.url}r/${id}/`, { waitUntil: 'networkidle' });
  await tab.locator('[data-lean-run] table.params').waitFor();
  return { page: tab, problems };
}

describe('a lean run page in Chromium', () => {
  it('draws the run from its data shard: facts, tags, metrics, params and a chart per series', async () => {
    const { page: tab, problems } = await open(LEAN.baseline);
    expect(await tab.locator('h1').textContent()).toBe('brave-otter-1');
    expect(await tab.locator('.page-header .tag').allTextContents()).toEqual(['baseline', 'resnet']);
    const overview = tab.locator('section[aria-labelledby="overview"] dl.facts');
    expect(await overview.textContent()).toContain('Host');
    expect(await overview.textContent()).toContain('gpu-01');
    expect(await overview.textContent()).toContain('1h 02m');
    const valAcc = tab.locator('table.metrics tr', { hasText: 'Validation accuracy' });
    expect(await valAcc.locator('td.num').textContent()).toBe('91.2 %');
    expect(await tab.locator('table.metrics tr', { hasText: 'train/loss' }).locator('td.num').textContent()).toBe('0.22');
    expect(await tab.locator('[data-param-row]', { hasText: 'optim.lr' }).locator('td.value').textContent()).toBe('0.01');
    const charts = tab.locator('figure[data-chart] svg.compact-chart');
    expect(await charts.evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-label')))).toEqual([
      'throughput/samples_per_s by step',
      'train/loss by step',
      'val/acc by step',
    ]);
    // A drawn line, in the SVG namespace, sized by the page (not 0 x 0).
    const line = charts.nth(1).locator('path');
    expect((await line.getAttribute('d'))?.split('L').length).toBeGreaterThan(10);
    // On screen, the interactive chart takes the static one's place, drawn from the same shard.
    const figure = tab.locator('figure[data-chart]').nth(1);
    await figure.scrollIntoViewIfNeeded();
    await expect.poll(() => figure.locator('svg.live-svg').count(), { timeout: 10_000 }).toBe(1);
    expect((await figure.locator('svg.live-svg').boundingBox())?.height).toBeGreaterThan(50);
    expect(await tab.locator('figure[data-chart] .chart-title').last().textContent()).toBe('Validation accuracy');
    expect(await tab.locator('section[aria-labelledby="env"] dl.facts').textContent()).toContain('NVIDIA A100');
    expect(await tab.locator('section[aria-labelledby="data"] li').textContent()).toContain('imagenet-mini');
    expect(await tab.locator('[data-lean-note]').textContent()).toBe(
      'Notes, artifacts, the command, its output and the runs derived from this one are not on this page; runpages show 01JDV0A000000000000000000A prints them.',
    );
    expect(problems).toEqual([]);
    await tab.close();
  });

  it('filters params from the keyboard: tab to the box, type, rows and count follow', async () => {
    const { page: tab, problems } = await open(LEAN.baseline);
    let focused = false;
    for (let i = 0; i < 40 && !focused; i += 1) {
      await tab.keyboard.press('Tab');
      focused = await tab.evaluate(() => document.activeElement?.matches('[data-params-filter]') ?? false);
    }
    expect(focused, 'the params filter is reachable with Tab').toBe(true);
    await tab.keyboard.type('optim');
    expect(await tab.locator('[data-param-row]:visible').count()).toBe(2);
    expect(await tab.locator('[data-params-count]').textContent()).toBe('2 of 5');
    for (let i = 0; i < 5; i += 1) await tab.keyboard.press('Backspace');
    expect(await tab.locator('[data-param-row]:visible').count()).toBe(5);
    expect(await tab.locator('[data-params-count]').textContent()).toBe('5');
    expect(problems).toEqual([]);
    await tab.close();
  });

  it('shows the hostile run’s markup-like text as text and runs none of it', async () => {
    const { page: tab, problems } = await open(LEAN.hostile);
    expect(await tab.locator('h1').textContent()).toBe('<b>evil</b> "run"');
    expect(await tab.locator('.page-header .tag').textContent()).toBe('<script>alert(1)</script>');
    expect(await tab.locator('[data-param-row] td.key').first().textContent()).toBe('<img src=x onerror=alert(1)>');
    expect(await tab.locator('.run-page img, .run-page script, .run-page b').count()).toBe(0);
    expect(await tab.locator('table.metrics td.num').textContent()).toBe('NaN');
    expect(await tab.locator('svg.compact-chart').getAttribute('aria-label')).toBe('train/loss by step');
    expect(problems).toEqual([]);
    await tab.close();
  });

  it('fits a phone and dark mode without errors (screenshots for review)', async () => {
    for (const [variant, options] of [
      ['desktop', {}],
      ['phone', { width: 390 }],
      ['dark', { dark: true }],
    ] as const) {
      const { page: tab, problems } = await open(LEAN.baseline, options);
      await tab.screenshot({ path: join(SCREENSHOTS, `lean-run-${variant}.png`), fullPage: true });
      expect(problems, variant).toEqual([]);
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${variant} horizontal overflow`).toBeLessThanOrEqual(0);
      await tab.close();
    }
  });

  it('says without JavaScript that the details are drawn in the browser, and how to get them', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const tab = await context.newPage();
    await tab.goto(`${server.url}r/${LEAN.killed}/`);
    expect(await tab.locator('h1').textContent()).toBe('tiny-bert-1');
    const note = tab.locator('p.lean-note', { hasText: 'On sites of more than 2 runs' });
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toContain('runpages show 01JDV0E000000000000000000E');
    // Nothing promises what cannot come: no loading message, no note about what the drawn page leaves out.
    expect(await tab.locator('[data-lean-note]').isVisible()).toBe(false);
    expect(await tab.locator('main').textContent()).not.toContain('Loading');
    await context.close();
  });
});
