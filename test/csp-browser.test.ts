/**
 * The demo's pages under the site's Content-Security-Policy in Chromium: no style or image is ever
 * blocked (the pages need no inline style: charts' rules live in global.css), the policy allows
 * images only from the site itself, and an image from another host in a run's notes loads nothing
 * (it is a link instead), so a run author cannot learn who reads the run.
 */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../src/site/preview.ts';
import { launchBrowser, serveSite } from './helpers/browser.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { runPath } from './helpers/layout.ts';

const REPO = new URL('../', import.meta.url).pathname;
const TRACKER = 'https://tracker.example.net';
let work: string;
let server: PreviewServer;
let browser: Browser;
let ids: string[];

beforeAll(async () => {
  work = tempDir('runpages-csp-browser-');
  // The demo as `npm run demo` builds it: runs, config and saved comparisons.
  for (const part of ['runs', 'comparisons', 'runpages.config.yaml']) cpSync(join(REPO, part), join(work, part), { recursive: true });
  const month = join(work, 'runs', 'cifar-resnet', '2026-09');
  ids = readdirSync(month, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('run.yaml'))
    .map((path) => basename(dirname(path)))
    .sort();
  const file = join(work, runPath('cifar-resnet', '2026-09', ids[0]!), 'run.yaml');
  const record = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  record.notes = `${String(record.notes ?? '')}\n![pixel](${TRACKER}/pixel.png)\n\n<img src="${TRACKER}/raw.png" alt="raw">\n`;
  writeFileSync(file, stringify(record));
  const build = await runCli(['build', '--from', 'runs', '--out', 'out', '--demo'], { cwd: work, timeoutMs: 300_000 });
  expect(build.code, build.stderr).toBe(0);
  server = await serveSite(join(work, 'out'));
  browser = await launchBrowser();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Visit {
  violations: string[];
  foreign: string[];
  csp: string;
  computed: Record<string, string>;
}

/** Opens `path` and reports CSP violations, requests that left the site, the policy and some computed styles. */
async function visit(path: string, probe: Record<string, [selector: string, property: string]> = {}): Promise<Visit> {
  const page = await browser.newPage();
  const foreign: string[] = [];
  const violations: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) foreign.push(request.url());
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push(
        `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber} on ${(event.target as Element | null)?.outerHTML?.slice(0, 120)}`,
      ),
    );
  });
  const response = await page.goto(new URL(path, server.url).href, { waitUntil: 'networkidle' });
  expect(response?.status(), `${path} was not served`).toBe(200);
  await page.waitForTimeout(300);
  const result = await page.evaluate((probe) => {
    const computed: Record<string, string> = {};
    for (const [name, [selector, property]] of Object.entries(probe)) {
      const element = document.querySelector(selector);
      computed[name] = element ? getComputedStyle(element).getPropertyValue(property) : 'missing';
    }
    return {
      violations: (window as unknown as { __violations: string[] }).__violations,
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
      computed,
    };
  }, probe);
  await page.close();
  return { violations: [...violations, ...result.violations], foreign, csp: result.csp, computed: result.computed };
}

describe('the demo under its Content-Security-Policy', () => {
  it('allows no inline style and images only from the site', async () => {
    const { csp } = await visit('');
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/img-src 'self' data:;/);
  });

  it.each([
    ['home', ''],
    ['project summary (best-so-far chart)', 'p/cifar-resnet/'],
    ['run table', 'p/cifar-resnet/runs/'],
    ['run page', () => `r/${ids[1]}/`],
    ['saved comparison (charts with legends)', 'c/cifar-best-vs-baseline/'],
    ['saved comparison with media side by side (images, heatmaps, differences, slider)', 'c/cifar-predictions/'],
    ['ad hoc comparison with media (fetched and rendered in the browser)', 'compare/?runs=01M3ZTZ4,01M5EBPS'],
    ['ad hoc comparison (charts drawn in the browser)', () => `compare/?runs=${ids.slice(0, 3).join(',')}`],
    ['build report', 'report/'],
    ['not found', '404.html'],
  ])('%s: nothing is blocked and nothing is fetched from elsewhere', async (_name, path) => {
    const { violations, foreign } = await visit(typeof path === 'function' ? path() : path);
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it("charts keep the look Plot's inline styles gave them, from the stylesheet", async () => {
    const { computed, violations } = await visit('c/cifar-best-vs-baseline/', {
      legend: ['.plot-rp-swatches-wrap', 'display'],
      legendFont: ['.plot-rp-swatches', 'font-size'],
      chartFont: ['svg.plot-rp', 'font-size'],
      chartOverflow: ['svg.plot-rp', 'overflow'],
    });
    expect(violations).toEqual([]);
    expect(computed).toEqual({ legend: 'flex', legendFont: '10px', chartFont: '11px', chartOverflow: 'visible' });
  });

  it('an image from another host in notes loads nothing and is a link instead', async () => {
    const { violations, foreign } = await visit(`r/${ids[0]}/`);
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
    const html = readFileSync(join(work, 'out', 'r', ids[0]!, 'index.html'), 'utf8');
    expect(html).not.toMatch(new RegExp(`<img[^>]+${TRACKER}`));
    expect(html).toContain(`<a href="${TRACKER}/pixel.png" rel="nofollow noopener noreferrer" class="note-image-link">image: pixel</a>`);
  });
});
