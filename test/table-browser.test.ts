/**
 * The run table in a real browser: a site built by `runpages build` from test/fixtures/table-runs/,
 * served on loopback, driven in Debian's Chromium. Screenshots go to test-output/screenshots/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTable, idBlock, type TableRun } from '../src/index/table.ts';
import type { PreviewServer } from '../src/site/preview.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { runCli } from './helpers/cli.ts';

const FIXTURE = new URL('./fixtures/table-runs/', import.meta.url).pathname;
const SCREENSHOTS = new URL('../test-output/screenshots/', import.meta.url).pathname;
const OUTPUT = new URL('../test-output/table-browser/', import.meta.url).pathname;
const VISION = (n: number) => `01JAVISION00000000000000${String(n).padStart(2, '0')}`;

let work: string;
let out: string;
let server: PreviewServer;
let browser: Browser;
let origin: string;
const errors: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'runpages-table-'));
  writeFileSync(
    join(work, 'runpages.config.yaml'),
    'projects:\n  vision:\n    goal: { metric: val/acc, direction: max }\n    metrics:\n      val/acc: { label: Validation accuracy }\n    views:\n      - { name: ViTs, filter: "params.arch = \'vit\'", sort: [-metrics.val/acc] }\n',
  );
  // Inside the checkout: Astro's prerender chunks resolve packages from the output folder upwards.
  out = join(OUTPUT, 'site');
  rmSync(out, { recursive: true, force: true });
  const build = await runCli(['build', '--from', FIXTURE, '--out', out], { cwd: work });
  expect(build.code, build.stderr).toBe(0);
  expect(build.stderr).toMatch(/Built \d+ pages for 10 runs in 2 projects/);
  server = await serveSite(out);
  origin = new URL(server.url).origin;
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.server.closeAllConnections();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function open(path: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  collectErrors(page, { into: errors, label: path });
  await page.goto(origin + path);
  await page.waitForSelector('#run-table[data-ready="true"]');
  return page;
}

/** Names of the runs in the table, in order (the table is small enough to be fully rendered). */
function names(page: Page): Promise<string[]> {
  return page.$$eval('#run-table tbody tr[data-row] td.name a', (links) => links.map((a) => a.textContent ?? ''));
}

async function settle(page: Page, summary: string): Promise<void> {
  await page.waitForFunction((text) => document.querySelector('.rt-summary')?.textContent === text, summary);
}

describe('the run table page', () => {
  it('renders the newest runs as a plain HTML table with links, before any script runs', async () => {
    const html = await (await fetch(`${origin}/p/vision/runs/`)).text();
    const rows = [...html.matchAll(/<a href="\/r\/([^/]+)\/">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(rows.map((r) => r[0])).toEqual([8, 7, 6, 5, 4, 3, 2, 1].map(VISION));
    // A strict CSP forbids inline scripts: every script is a file.
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((attributes) => !/\bsrc=/.test(attributes!))).toEqual([]);
  });

  it('shows every run newest first once enhanced, with status badges and right-aligned numbers', async () => {
    const page = await open('/p/vision/runs/');
    expect(await names(page)).toEqual([
      'lucky-panda-8',
      'keen-walrus-7',
      'jolly-tiger-6',
      'happy-koala-5',
      'gentle-moose-4',
      'eager-heron-3',
      'calm-lynx-2',
      'brave-otter-1',
    ]);
    expect(await page.textContent('.rt-summary')).toBe('8 runs.');
    expect(await page.$$eval('tbody .badge.status-failed', (b) => b.map((x) => x.textContent))).toEqual(['failed']);
    const align = await page.$eval('tbody tr[data-row] td.num', (td) => getComputedStyle(td).textAlign);
    expect(align).toBe('right');
    await page.screenshot({ path: join(SCREENSHOTS, 'table-desktop.png'), fullPage: true });
    await page.close();
  });

  it('narrows to exactly the runs a structured filter selects, and points at errors', async () => {
    const page = await open('/p/vision/runs/');
    await page.fill('#rt-filter', "metrics.val/acc > 0.9 and params.arch = 'vit'");
    await settle(page, '2 runs of 8 match.');
    expect(await names(page)).toEqual(['keen-walrus-7', 'eager-heron-3']);
    await page.fill('#rt-filter', "status != 'finished' or tags.baseline");
    await settle(page, '4 runs of 8 match.');
    expect(await names(page)).toEqual(['lucky-panda-8', 'jolly-tiger-6', 'gentle-moose-4', 'brave-otter-1']);
    await page.fill('#rt-filter', 'metrics.val/acc >> 0.9');
    await page.waitForSelector('#rt-filter[aria-invalid="true"]');
    expect(await page.textContent('#rt-filter-error')).toMatch(/^Column 18: /);
    // A query that does not parse (yet) leaves the last good one in force.
    expect(await page.textContent('.rt-summary')).toBe('4 runs of 8 match.');
    expect(await names(page)).toHaveLength(4);
    await page.screenshot({ path: join(SCREENSHOTS, 'table-query-error.png') });
    await page.close();
  });

  it('completes field names from the keyboard', async () => {
    const page = await open('/p/vision/runs/');
    await page.focus('#rt-filter');
    await page.keyboard.type('params.ar');
    await page.waitForSelector('#rt-complete:not([hidden]) li');
    expect(await page.$$eval('#rt-complete li', (lis) => lis.map((li) => li.textContent))).toEqual(['params.arch']);
    await page.keyboard.press('Enter');
    expect(await page.inputValue('#rt-filter')).toBe('params.arch');
    expect(await page.isHidden('#rt-complete')).toBe(true);
    await page.keyboard.type(" = 'resnet18' and metrics.");
    await page.waitForSelector('#rt-complete:not([hidden]) li');
    expect(await page.$$eval('#rt-complete li', (lis) => lis.map((li) => li.textContent))).toEqual(['metrics.loss', 'metrics.val/acc']);
    await page.screenshot({ path: join(SCREENSHOTS, 'table-completion.png') });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.keyboard.type(' > 0.85');
    await settle(page, '1 run of 8 matches.');
    expect(await names(page)).toEqual(['happy-koala-5']);
    await page.keyboard.type(' and st');
    await page.waitForSelector('#rt-complete:not([hidden]) li');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#rt-complete')).toBe(true);
    await page.close();
  });

  it('narrows to exactly the runs a full-text search finds', async () => {
    const page = await open('/p/vision/runs/');
    await page.fill('#rt-q', 'zebra');
    await settle(page, '2 runs of 8 match.');
    expect(await names(page)).toEqual(['happy-koala-5', 'eager-heron-3']);
    await page.fill('#rt-q', 'carol');
    await page.waitForSelector('td.name a >> text=jolly-tiger-6');
    expect(await names(page)).toEqual(['jolly-tiger-6', 'gentle-moose-4']);
    await page.fill('#rt-q', 'gentle');
    await settle(page, '1 run of 8 matches.');
    expect(await names(page)).toEqual(['gentle-moose-4']);
    await page.close();
  });

  it('sorts on a header click, flips on a second, adds a secondary key on shift-click', async () => {
    const page = await open('/p/vision/runs/');
    await page.click('th button[data-key="metrics.val/acc"]');
    await page.waitForSelector('th[aria-sort="descending"] button[data-key="metrics.val/acc"]');
    expect(await names(page)).toEqual([
      'eager-heron-3',
      'keen-walrus-7',
      'calm-lynx-2',
      'jolly-tiger-6',
      'happy-koala-5',
      'brave-otter-1',
      'gentle-moose-4',
      'lucky-panda-8',
    ]);
    await page.click('th button[data-key="metrics.val/acc"]');
    await page.waitForSelector('th[aria-sort="ascending"] button[data-key="metrics.val/acc"]');
    expect((await names(page)).slice(0, 2)).toEqual(['gentle-moose-4', 'brave-otter-1']);
    expect((await names(page)).at(-1)).toBe('lucky-panda-8');
    await page.click('th button[data-key="params.arch"]');
    await page.click('th button[data-key="params.lr"]', { modifiers: ['Shift'] });
    await page.waitForSelector('th button[data-key="params.lr"] .rt-sort');
    expect(await names(page)).toEqual([
      'happy-koala-5',
      'brave-otter-1',
      'jolly-tiger-6',
      'lucky-panda-8',
      'calm-lynx-2',
      'eager-heron-3',
      'keen-walrus-7',
      'gentle-moose-4',
    ]);
    expect(page.url()).toContain('sort=params.arch,params.lr');
    await page.close();
  });

  it('groups by a param with counts and the goal metric per group, and folds groups', async () => {
    const page = await open('/p/vision/runs/');
    await page.selectOption('#rt-group', 'params.arch');
    await settle(page, '8 runs in 3 groups.');
    const groups = await page.$$eval('tr.rt-group', (rows) =>
      rows.map((r) => [r.querySelector('button')?.textContent, r.querySelector('.rt-agg')?.textContent]),
    );
    expect(groups).toEqual([
      ['▾ resnet18', '2 runs · val/acc mean 0.845 · best 0.88'],
      ['▾ resnet50', '3 runs · val/acc mean 0.915 · best 0.93'],
      ['▾ vit', '3 runs · val/acc mean 0.67 · best 0.95'],
    ]);
    await page.click('tr.rt-group button[data-group="resnet50"]');
    await page.waitForSelector('button[data-group="resnet50"][aria-expanded="false"]');
    expect(await names(page)).toEqual(['happy-koala-5', 'brave-otter-1', 'keen-walrus-7', 'gentle-moose-4', 'eager-heron-3']);
    await page.screenshot({ path: join(SCREENSHOTS, 'table-grouped.png'), fullPage: true });
    await page.close();
  });

  it('reproduces the whole view from its URL after a reload', async () => {
    const page = await open('/p/vision/runs/');
    await page.fill('#rt-filter', 'params.batch_size >= 128');
    await settle(page, '5 runs of 8 match.');
    await page.click('th button[data-key="metrics.loss"]');
    await page.selectOption('#rt-group', 'user');
    await settle(page, '5 runs of 8 match in 3 groups.');
    await page.click('#rt-columns summary');
    await page.fill('#rt-columns input[type="search"]', 'seed');
    await page.check('#rt-columns input[value="params.seed"]');
    await page.waitForSelector('th button[data-key="params.seed"]');
    await page.screenshot({ path: join(SCREENSHOTS, 'table-columns.png') });
    const before = { names: await names(page), url: page.url(), head: await page.$$eval('thead th', (th) => th.map((t) => t.textContent)) };
    expect(before.url).toContain('group=user');
    await page.reload();
    await page.waitForSelector('#run-table[data-ready="true"]');
    await settle(page, '5 runs of 8 match in 3 groups.');
    expect(await names(page)).toEqual(before.names);
    expect(await page.$$eval('thead th', (th) => th.map((t) => t.textContent))).toEqual(before.head);
    expect(await page.inputValue('#rt-filter')).toBe('params.batch_size >= 128');
    expect(await page.inputValue('#rt-group')).toBe('user');
    expect(page.url()).toBe(before.url);
    await page.close();
  });

  it('reorders columns from the keyboard in the column menu, kept in the URL', async () => {
    const page = await open('/p/vision/runs/');
    const heads = () => page.$$eval('thead th button[data-key]', (buttons) => buttons.map((b) => (b as HTMLElement).dataset.key));
    const before = await heads();
    expect(before.slice(0, 3)).toEqual(['name', 'status', 'metrics.val/acc']);
    await page.click('#rt-columns summary');
    await page.focus('#rt-columns button[aria-label="Move metrics.val/acc left"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('thead th button[data-key]')[1]?.getAttribute('data-key') === 'metrics.val/acc');
    // Focus stays on the moved column's button, so a second Enter moves it again.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('thead th button[data-key]')[0]?.getAttribute('data-key') === 'metrics.val/acc');
    expect(await heads()).toEqual(['metrics.val/acc', 'name', 'status', ...before.slice(3)]);
    expect(new URL(page.url()).searchParams.get('cols')?.split(',').slice(0, 3)).toEqual(['metrics.val/acc', 'name', 'status']);
    await page.close();
  });

  it('exports the current view as CSV', async () => {
    const page = await open('/p/vision/runs/?filter=params.arch%20%3D%20%27vit%27&sort=-metrics.val/acc&cols=name,metrics.val/acc,created');
    await settle(page, '3 runs of 8 match.');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rt-csv')]);
    expect(download.suggestedFilename()).toBe('vision-runs.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toBe(
      'id,name,metrics.val/acc,created\r\n' +
        `${VISION(3)},eager-heron-3,0.95,2026-10-03T10:00:00.000Z\r\n` +
        `${VISION(7)},keen-walrus-7,0.94,2026-10-07T10:00:00.000Z\r\n` +
        `${VISION(4)},gentle-moose-4,0.12,2026-10-04T10:00:00.000Z\r\n`,
    );
    await page.close();
  });

  it('opens the compare URL with the selected runs, in the order chosen (the first is the baseline)', async () => {
    const page = await open('/p/vision/runs/');
    await page.check(`tr[data-row] input[aria-label="Select calm-lynx-2"]`);
    await page.check(`tr[data-row] input[aria-label="Select eager-heron-3"]`);
    expect(await page.textContent('#rt-compare')).toBe('Compare (2)');
    await Promise.all([page.waitForURL(/\/compare\//), page.click('#rt-compare')]);
    expect(new URL(page.url()).pathname).toBe('/compare/');
    expect(new URL(page.url()).searchParams.get('runs')).toBe(`${VISION(2)},${VISION(3)}`);
    // Back to the table: the same runs are ticked, in the same order.
    await page.goBack();
    await page.waitForSelector('#run-table[data-ready="true"]');
    expect(await page.textContent('#rt-compare')).toBe('Compare (2)');
    expect(await page.isChecked('tr[data-row] input[aria-label="Select calm-lynx-2"]')).toBe(true);
    await Promise.all([page.waitForURL(/\/compare\//), page.click('#rt-compare')]);
    expect(new URL(page.url()).searchParams.get('runs')).toBe(`${VISION(2)},${VISION(3)}`);
    await page.close();
  });

  it('is keyboard navigable: arrows move, Space selects, Enter opens the run', async () => {
    const page = await open('/p/vision/runs/');
    await page.focus('.rt-scroll');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press(' ');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press(' ');
    expect(await page.textContent('#rt-compare')).toBe('Compare (2)');
    expect(await page.$eval('tr.active td.name a', (a) => a.textContent)).toBe('jolly-tiger-6');
    // Focus is on the active row itself, so screen readers read it.
    expect(await page.evaluate(() => document.activeElement?.querySelector('td.name a')?.textContent)).toBe('jolly-tiger-6');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rt-q');
    await page.focus('.rt-scroll');
    expect(await page.$eval('tr.active td.name a', (a) => a.textContent)).toBe('jolly-tiger-6');
    await Promise.all([page.waitForURL(/\/r\//), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe(`/r/${VISION(6)}/`);
    await page.close();
  });

  it('labels headers as configured, with the raw key on hover', async () => {
    const page = await open('/p/vision/runs/');
    const header = page.locator('#run-table thead button[data-key="metrics.val/acc"]');
    expect(await header.textContent()).toMatch(/^Validation accuracy/);
    expect(await header.getAttribute('title')).toMatch(/^Validation accuracy \(metrics\.val\/acc\)/);
    await page.close();
  });

  it('tabs from the filter to the sort buttons, then to the rows', async () => {
    const page = await open('/p/vision/runs/');
    await page.focus('#rt-q');
    const order: string[] = [];
    for (let i = 0; i < 30 && order.at(-1) !== 'row'; i += 1) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(() => {
          const active = document.activeElement;
          return active?.matches('thead button[data-key]') ? 'sort' : active?.matches('tbody tr') ? 'row' : 'other';
        }),
      );
    }
    const firstSort = order.indexOf('sort');
    const firstRow = order.indexOf('row');
    expect(firstSort).toBeGreaterThan(-1);
    expect(firstRow).toBeGreaterThan(firstSort);
    // Every sort button is a stop on the way, and nothing else is between them.
    expect(order.slice(firstSort, firstRow).every((stop) => stop === 'sort')).toBe(true);
    expect(firstRow - firstSort).toBe(await page.locator('#run-table thead button[data-key]').count());
    await page.close();
  });

  it('fits a phone: fewer columns and horizontal scroll', async () => {
    const page = await open('/p/vision/runs/', { width: 390, height: 844 });
    const head = await page.$$eval('thead th', (th) => th.map((t) => (t as HTMLElement).innerText.trim()));
    expect(head).not.toContain('user');
    expect(head).toContain('name');
    const overflow = await page.$eval('.rt-scroll', (el) => el.scrollWidth > el.clientWidth);
    expect(overflow).toBe(true);
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(pageWidth).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOTS, 'table-phone.png'), fullPage: true });
    await page.close();
  });

  it('shows tags as chips, and says so when table data cannot be loaded', async () => {
    const page = await open('/p/vision/runs/?cols=name,tags');
    expect(await page.$$eval('tr[data-row] td.tags', (tds) => tds.map((td) => [...td.querySelectorAll('.tag')].map((t) => t.textContent)))).toEqual([
      [],
      ['sweep'],
      ['sweep'],
      [],
      ['sweep'],
      ['sweep', 'best'],
      ['sweep'],
      ['baseline'],
    ]);
    // A column file that is missing (a broken deploy, offline): the page says what happened.
    const before = errors.length;
    await page.route('**/table/c/*.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.click('#rt-columns summary');
    await page.check('#rt-columns input[value="params.seed"]');
    await page.waitForSelector('.rt-summary.rt-failed');
    expect(await page.textContent('.rt-summary')).toMatch(/^Could not load the table data \(.*HTTP 404\)/);
    // The browser logs the failed request itself; that one is expected here.
    errors.splice(before, errors.length - before, ...errors.slice(before).filter((e) => !e.includes('404')));
    await page.close();
  });

  it('follows the dark colour scheme', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    await page.goto(`${origin}/p/vision/runs/`);
    await page.waitForSelector('#run-table[data-ready="true"]');
    const background = await page.$eval('.rt-scroll', (el) => getComputedStyle(el).backgroundColor);
    expect(background).not.toBe('rgb(255, 255, 255)');
    await page.screenshot({ path: join(SCREENSHOTS, 'table-dark.png'), fullPage: true });
    await page.close();
  });

  it('prints the current view without the controls', async () => {
    const page = await open('/p/vision/runs/?filter=params.batch_size%20%3E%3D%2064&sort=-metrics.val/acc');
    await page.emulateMedia({ media: 'print' });
    expect(await page.isHidden('.rt-toolbar')).toBe(true);
    expect(await page.textContent('.rt-print-state')).toBe('Filter: params.batch_size >= 64 · Sorted by metrics.val/acc (descending)');
    expect(
      await page.$$eval('thead th', (ths) => ths.filter((th) => th.getBoundingClientRect().width > 0).map((th) => (th as HTMLElement).innerText.trim())),
    ).toEqual(['name', 'status', 'Validation accuracy', 'user', 'created', 'duration', 'arch', 'batch_size', 'lr', 'optim.momentum', 'loss']);
    expect(await page.$$eval('#run-table tbody tr[data-row]', (rows) => rows.length)).toBe(8);
    await page.screenshot({ path: join(SCREENSHOTS, 'table-print.png'), fullPage: true });
    await page.close();
  });

  it('stays virtual and correct at 100,000 runs', async () => {
    // The browser code over a large table, without a 100k-page Astro build: table files for synthetic
    // runs written beside the built page, which is copied to point at them.
    const count = 100_000;
    const statuses = ['finished', 'finished', 'finished', 'failed', 'killed'] as const;
    const runs: TableRun[] = Array.from({ length: count }, (_, i) => ({
      id: `run${String(i).padStart(6, '0')}`,
      name: `run-${i}`,
      status: statuses[i % statuses.length]!,
      user: ['ann', 'ben', 'cy'][i % 3]!,
      created: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      duration_s: (i % 97) * 60,
      params: { lr: [0.1, 0.01, 0.001][i % 3], arch: ['a', 'b', 'c', 'd'][i % 4] },
      metrics: { acc: (i % 1000) / 1000, loss: 1 - (i % 1000) / 1000 },
    }));
    const table = buildTable(runs, { project: 'scale', goal: { metric: 'acc', direction: 'max' } });
    const dir = join(out, 'p', 'scale', 'runs');
    mkdirSync(join(dir, 'table', 'c'), { recursive: true });
    mkdirSync(join(dir, 'table', 'ids'), { recursive: true });
    writeFileSync(join(dir, 'table', 'index.json'), JSON.stringify(table.index));
    table.index.idFiles.forEach((file, k) => writeFileSync(join(dir, 'table', file), JSON.stringify(idBlock(table, k))));
    table.index.columns.forEach((info, i) => writeFileSync(join(dir, 'table', info.file), JSON.stringify(table.columns[i])));
    const html = readFileSync(join(out, 'p', 'vision', 'runs', 'index.html'), 'utf8').replace(
      '/p/vision/runs/table/index.json',
      '/p/scale/runs/table/index.json',
    );
    writeFileSync(join(dir, 'index.html'), html);

    const page = await open('/p/scale/runs/');
    expect(await page.textContent('.rt-summary')).toBe('100,000 runs.');
    expect(await page.$$eval('#run-table tbody tr[data-row]', (rows) => rows.length)).toBeLessThan(100);
    expect((await names(page))[0]).toBe('run-99999');

    await page.fill('#rt-filter', "metrics.acc >= 0.998 and params.arch = 'c'");
    await settle(page, '100 runs of 100,000 match.');
    // Typed and applied with Enter as a user does: the completion list must not swallow the Enter
    // after a closing quote (it appended a field name, and string filters matched 0 rows).
    await page.fill('#rt-filter', '');
    await page.focus('#rt-filter');
    await page.keyboard.type("status = 'finished'");
    await page.keyboard.press('Enter');
    await settle(page, '60,000 runs of 100,000 match.');
    expect(await page.inputValue('#rt-filter')).toBe("status = 'finished'");
    await page.keyboard.type(" and params.arch = 'c'");
    await page.keyboard.press('Enter');
    await settle(page, '15,000 runs of 100,000 match.');
    await page.fill('#rt-filter', '');
    await settle(page, '100,000 runs.');
    // The completion list is open under the focused filter box (over the goal column): close it first.
    await page.keyboard.press('Escape');
    await page.click('th button[data-key="metrics.acc"]');
    await page.waitForSelector('th[aria-sort="descending"] button[data-key="metrics.acc"]');
    expect((await names(page)).slice(0, 2)).toEqual(['run-99999', 'run-98999']);

    // Scrolled to the end, the last rows are rendered (and only a window of rows).
    await page.$eval('.rt-scroll', (el) => (el.scrollTop = el.scrollHeight));
    await page.waitForFunction(() => document.querySelector('#run-table tbody tr[data-row]:last-of-type td.name a')?.textContent === 'run-0');
    expect(await page.$$eval('#run-table tbody tr[data-row]', (rows) => rows.length)).toBeLessThan(100);
    // Ids of rows far from the first block load when those rows are shown.
    await page.waitForFunction(() => document.querySelector('#run-table tbody tr[data-row]:last-of-type td.name a')?.getAttribute('href') === '/r/run000000/');

    const updates = await page.evaluate(() => performance.getEntriesByName('runpages:table-update').map((e) => Math.round(e.duration)));
    console.log(`100k rows: view updates took ${updates.join(', ')} ms (first includes loading)`);
    await page.screenshot({ path: join(SCREENSHOTS, 'table-100k.png') });
    await page.close();
  });

  it('honours the base path in data, links and the compare URL', async () => {
    const sub = join(OUTPUT, 'site-sub');
    rmSync(sub, { recursive: true, force: true });
    const build = await runCli(['build', '--from', FIXTURE, '--out', sub, '--base', '/sub/'], { cwd: work });
    expect(build.code, build.stderr).toBe(0);
    const subServer = await serveSite(sub, '/sub/');
    try {
      const page = await browser.newPage();
      page.on('pageerror', (error) => errors.push(`/sub/: ${error.message}`));
      await page.goto(`${subServer.url}p/vision/runs/?sort=name`);
      await page.waitForSelector('#run-table[data-ready="true"]');
      expect(await page.$eval('tbody tr[data-row] td.name a', (a) => a.getAttribute('href'))).toBe(`/sub/r/${VISION(1)}/`);
      await page.fill('#rt-q', 'zebra');
      await settle(page, '2 runs of 8 match.');
      await page.check('tr[data-row] input[aria-label="Select eager-heron-3"]');
      await page.check('tr[data-row] input[aria-label="Select happy-koala-5"]');
      await Promise.all([page.waitForURL(/\/compare\//), page.click('#rt-compare')]);
      expect(new URL(page.url()).pathname).toBe('/sub/compare/');
      await page.close();
    } finally {
      subServer.server.closeAllConnections();
      await subServer.close();
    }
  });

  it('shows the named views of the config as tabs that reproduce their view', async () => {
    const page = await open('/p/vision/runs/');
    expect(await page.$$eval('.rt-views a', (links) => links.map((a) => [a.textContent, a.getAttribute('aria-current')]))).toEqual([
      ['All runs', 'page'],
      ['ViTs', null],
    ]);
    await page.click('.rt-views a >> text=ViTs');
    await page.waitForSelector('#run-table[data-ready="true"]');
    await settle(page, '3 runs of 8 match.');
    expect(await names(page)).toEqual(['eager-heron-3', 'keen-walrus-7', 'gentle-moose-4']);
    expect(await page.getAttribute('.rt-views a >> text=ViTs', 'aria-current')).toBe('page');
    // Copy link copies the view's address.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await page.click('#run-table [data-copy-link]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(page.url());
    // Changing the view leaves the tab.
    await page.fill('#rt-filter', '');
    await settle(page, '8 runs.');
    expect(await page.getAttribute('.rt-views a >> text=ViTs', 'aria-current')).toBeNull();
    await page.close();
  });

  it('offers parallel coordinates of the filtered runs whose brush narrows the table, kept in the URL', async () => {
    const page = await open('/p/vision/runs/?filter=metrics.val/acc%20%3E%200');
    await settle(page, '7 runs of 8 match.');
    await page.click('#rt-sweeps');
    const canvas = '#rt-sweep .sw-pc canvas[data-lines]';
    await page.waitForSelector(canvas);
    // One line per run the filter selects, all inside while nothing is brushed.
    expect(await page.getAttribute(canvas, 'data-lines')).toBe('7');
    expect(await page.getAttribute(canvas, 'data-inside')).toBe('7');
    expect(page.url()).toContain('sweeps=1');
    // Drag down the goal axis (the last one, at the right margin) from its top.
    const box = (await page.locator(canvas).boundingBox())!;
    const axisX = box.x + box.width - 28;
    await page.mouse.move(axisX, box.y + 42);
    await page.mouse.down();
    await page.mouse.move(axisX, box.y + 120, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => new URL(location.href).searchParams.has('brush'));
    const brush = /^metrics\.val\/acc:([\d.e-]+)\.\.([\d.e-]+)$/.exec(new URL(page.url()).searchParams.get('brush') ?? '');
    expect(brush, page.url()).not.toBeNull();
    const [lo, hi] = [Number(brush![1]), Number(brush![2])];
    const accs: Record<string, number> = {
      'brave-otter-1': 0.81,
      'calm-lynx-2': 0.93,
      'eager-heron-3': 0.95,
      'gentle-moose-4': 0.12,
      'happy-koala-5': 0.88,
      'jolly-tiger-6': 0.9,
      'keen-walrus-7': 0.94,
    };
    const expected = Object.keys(accs)
      .filter((name) => accs[name]! >= lo && accs[name]! <= hi)
      .reverse();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(7);
    await settle(page, `${expected.length} runs of 8 match.`);
    expect(await names(page)).toEqual(expected);
    // The lines stay (faint) for every filtered run; the brushed ones are counted.
    expect(await page.getAttribute(canvas, 'data-lines')).toBe('7');
    expect(await page.getAttribute(canvas, 'data-inside')).toBe(String(expected.length));
    await page.waitForSelector('#rt-sweep .sw-importance table');
    expect(await page.textContent('#rt-sweep .sw-importance')).toMatch(/gradient-boosted stumps/);
    await page.screenshot({ path: join(SCREENSHOTS, 'table-sweep.png'), fullPage: true });

    // A pasted link reproduces the brushed view; the brush's button clears it.
    const again = await open(new URL(page.url()).pathname + new URL(page.url()).search);
    await settle(again, `${expected.length} runs of 8 match.`);
    await again.waitForSelector(canvas);
    await again.click('#rt-sweep .sw-brush');
    await settle(again, '7 runs of 8 match.');
    expect(new URL(again.url()).searchParams.has('brush')).toBe(false);
    await again.close();
    await page.close();
  });

  it('logged no console errors on any of the table pages', () => {
    expect(errors).toEqual([]);
  });
});
