/**
 * The run table in a real browser: the built site served on loopback with gzip (as Pages serves
 * it), Debian's Chromium through playwright-core, and figures read inside the page with
 * `performance.now()` so polling from outside adds nothing.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { createGzip } from 'node:zlib';
import { median } from './report.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain',
  '.xml': 'application/xml',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.xml']);

/** Serves `root` on 127.0.0.1 with gzip for text; resolves with the server and its base URL. */
export async function serveStatic(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    const ext = extname(file);
    const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    response.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    const stream = createReadStream(file);
    if (gzip) stream.pipe(createGzip({ level: 6 })).pipe(response);
    else stream.pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

export interface TableFigures {
  /** ms from navigation start until the interactive table shows rows. */
  firstRenderMs: number;
  /** Bytes on the wire (gzip) until then. */
  initialTransferBytes: number;
  /** Median ms for a filter change plus a sort, over 20 tries (after one untimed pass that loads lazy columns); a string says why not measured. */
  filterSortMs: number | string;
  /** ms from the first keystroke in the search box until the rows change, index load included; a string says why not measured. */
  firstSearchMs: number | string;
  /** The sweep view over every run of the table; a string says why not measured. */
  sweeps: SweepFigures | string;
}

export interface SweepFigures {
  /** Lines the parallel coordinates drew (one per run in view). */
  lines: number;
  /** ms from clicking Sweep until the parallel coordinates are drawn (code and column loads included). */
  openMs: number;
  /** ms of the parallel coordinates' draw alone (the `runpages:sweep-draw` measure of that first draw). */
  drawMs: number;
  /** Median ms from releasing a brush until the table and the lines show it, over 5 brushes. */
  brushMs: number;
  /** ms of one parameter importance fit (boosted stumps) over the runs in view. */
  importanceMs: number | string;
}

/** Rows of the enhanced (interactive) table; the server-rendered rows have no data-row. */
const ROWS = '#run-table tbody tr[data-row]';

/**
 * Measures the run table page at `pageUrl`. `queries` are two filter expressions that select
 * different rows; `word` is a full-text search term that narrows the table.
 */
export async function measureTable(pageUrl: string, options: { queries: [string, string]; word: string }): Promise<TableFigures> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    // Notes the moment the interactive rows first appear, from inside the page.
    await page.addInitScript((selector: string) => {
      const w = window as unknown as { __firstRows?: number };
      new MutationObserver((_, observer) => {
        if (document.querySelector(selector)) {
          w.__firstRows = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    }, ROWS);
    const pending: Promise<number>[] = [];
    page.on('requestfinished', (request) => pending.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize)));
    await page.goto(pageUrl, { waitUntil: 'load' });
    await page.waitForSelector(ROWS, { timeout: 30_000 });
    const firstRenderMs = await page.evaluate(() => (window as unknown as { __firstRows: number }).__firstRows);
    const initialTransferBytes = (await Promise.all(pending)).reduce((a, b) => a + b, 0);

    let firstSearchMs: number | string;
    try {
      const before = await tableState(page);
      firstSearchMs = await timeChange(
        page,
        (word) => {
          const input = document.querySelector<HTMLInputElement>('#rt-q');
          if (!input) throw new Error('no #rt-q search box');
          input.value = word;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        },
        options.word,
      );
      if ((await tableState(page)).summary === before.summary) throw new Error(`searching "${options.word}" did not narrow the table`);
    } catch (error) {
      firstSearchMs = (error as Error).message.split('\n')[0] ?? 'failed';
    }

    let filterSortMs: number | string;
    try {
      await page.goto(pageUrl, { waitUntil: 'load' });
      await page.waitForSelector(ROWS, { timeout: 30_000 });
      // One untimed pass per query first: columns a filter needs may load lazily, and that first
      // load is not the steady-state latency measured here.
      for (const query of options.queries) {
        await applyFilter(page, query);
        await settle(page);
      }
      const samples: number[] = [];
      const summaries: { invalid: boolean; summary: string }[] = [];
      for (let i = 0; i < 20; i++) {
        const query = options.queries[i % 2] as string;
        samples.push(
          await timeChange(
            page,
            (q) => {
              const input = document.querySelector<HTMLInputElement>('#rt-filter');
              if (!input) throw new Error('no #rt-filter query box');
              input.value = q;
              input.dispatchEvent(new Event('input', { bubbles: true }));
              input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
              const sort =
                document.querySelector<HTMLElement>('#run-table th button[data-key]:not([data-key="name"])') ??
                document.querySelector<HTMLElement>('#run-table th button[data-key]');
              if (!sort) throw new Error('no sortable column header');
              sort.click();
            },
            query,
          ),
        );
        if (i < 2) summaries.push(await tableState(page));
      }
      // The figure means something only if both filters parsed and selected different runs.
      const [a, b] = summaries;
      if (a?.invalid || b?.invalid) throw new Error(`the filter was rejected: ${a?.invalid ? options.queries[0] : options.queries[1]}`);
      if (a?.summary === b?.summary) throw new Error(`both filters showed the same runs (${a?.summary ?? ''})`);
      filterSortMs = median(samples);
    } catch (error) {
      filterSortMs = (error as Error).message.split('\n')[0] ?? 'failed';
    }
    let sweeps: SweepFigures | string;
    try {
      sweeps = await measureSweeps(page, pageUrl);
    } catch (error) {
      sweeps = (error as Error).message.split('\n')[0] ?? 'failed';
    }
    return { firstRenderMs, initialTransferBytes, filterSortMs, firstSearchMs, sweeps };
  } finally {
    await browser.close();
  }
}

/**
 * Opens the sweep view on the unfiltered table, then brushes the goal axis (the last one) five times
 * with different ranges; figures come from the page's own measures (see site/src/scripts/sweeps/).
 */
async function measureSweeps(page: import('playwright-core').Page, pageUrl: string): Promise<SweepFigures> {
  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.waitForSelector(ROWS, { timeout: 30_000 });
  const canvas = '#rt-sweep .sw-pc canvas[data-lines]';
  const openMs = await page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const start = performance.now();
        const limit = setTimeout(() => reject(new Error('the sweep view did not draw within 30 s')), 30_000);
        new PerformanceObserver((list, observer) => {
          if (list.getEntriesByName('runpages:sweep-draw').length === 0) return;
          observer.disconnect();
          clearTimeout(limit);
          resolve(performance.now() - start);
        }).observe({ type: 'measure' });
        const button = document.querySelector<HTMLButtonElement>('#rt-sweeps');
        if (!button) reject(new Error('no #rt-sweeps button'));
        else button.click();
      }),
  );
  await page.waitForSelector(canvas, { timeout: 30_000 });
  const lines = Number(await page.getAttribute(canvas, 'data-lines'));
  const drawMs = await page.evaluate(() => performance.getEntriesByName('runpages:sweep-draw')[0]!.duration);
  const box = await page.locator(canvas).boundingBox();
  if (!box) throw new Error('the parallel coordinates have no size');
  const axisX = box.x + box.width - 28;
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = await page.evaluate(() => performance.getEntriesByName('runpages:sweep-brush').length);
    await page.mouse.move(axisX, box.y + 45 + i * 10);
    await page.mouse.down();
    await page.mouse.move(axisX, box.y + 150 + i * 20, { steps: 3 });
    await page.mouse.up();
    await page.waitForFunction((n) => performance.getEntriesByName('runpages:sweep-brush').length > n, before, { timeout: 15_000 });
    samples.push(await page.evaluate(() => performance.getEntriesByName('runpages:sweep-brush').at(-1)!.duration));
  }
  let importanceMs: number | string = 'not computed within 20 s';
  try {
    await page.waitForFunction(() => performance.getEntriesByName('runpages:sweep-importance').length > 0, undefined, { timeout: 20_000 });
    importanceMs = await page.evaluate(() => performance.getEntriesByName('runpages:sweep-importance').at(-1)!.duration);
  } catch {
    // Reported as a string.
  }
  return { lines, openMs, drawMs, brushMs: median(samples), importanceMs };
}

/** Types `query` into the query box and presses Enter, untimed. */
async function applyFilter(page: import('playwright-core').Page, query: string): Promise<void> {
  await page.fill('#rt-filter', query);
  await page.press('#rt-filter', 'Enter');
}

/** Waits until the table's summary line has not changed for 500 ms (at most 15 s). */
async function settle(page: import('playwright-core').Page): Promise<void> {
  let last = '';
  let stableSince = Date.now();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { summary } = await tableState(page);
    if (summary !== last) {
      last = summary;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 500) return;
    await page.waitForTimeout(50);
  }
}

/** Whether the query box shows an error, and the table's "n of m runs" summary line. */
function tableState(page: import('playwright-core').Page): Promise<{ invalid: boolean; summary: string }> {
  return page.evaluate(() => ({
    invalid: document.querySelector('#rt-filter')?.getAttribute('aria-invalid') === 'true',
    summary: document.querySelector('#run-table .rt-summary')?.textContent?.trim() ?? '',
  }));
}

/**
 * Runs `act(arg)` in the page and resolves with the ms until the table's last change, once it has
 * been quiet for 300 ms (so a debounced filter counts in full). Fails after 10 s without a change.
 */
async function timeChange(page: import('playwright-core').Page, act: (arg: string) => void, arg: string): Promise<number> {
  return page.evaluate(
    ({ source, value }) =>
      new Promise<number>((resolve, reject) => {
        const target = document.querySelector('#run-table');
        if (!target) {
          reject(new Error('no #run-table'));
          return;
        }
        let last: number | undefined;
        let quiet: ReturnType<typeof setTimeout> | undefined;
        const start = performance.now();
        const finish = () => {
          observer.disconnect();
          clearTimeout(limit);
          if (last === undefined) reject(new Error('the table did not change'));
          else resolve(last - start);
        };
        const limit = setTimeout(finish, 10_000);
        const observer = new MutationObserver(() => {
          last = performance.now();
          clearTimeout(quiet);
          quiet = setTimeout(finish, 300);
        });
        observer.observe(target, { childList: true, subtree: true, characterData: true, attributes: true });
        // The action arrives as source text: functions cannot cross into the page otherwise.
        new Function('value', `(${source})(value)`)(value);
      }),
    { source: act.toString(), value: arg },
  );
}
