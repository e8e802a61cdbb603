/**
 * Media side by side in a comparison, in Chromium: a saved comparison (/c/<slug>/) of two runs that
 * each logged an image per step shows both images next to each other, each byte for byte the logged
 * file; one slider moves both runs to the same step, or each run's nearest; confusion matrices get
 * their difference, ROC curves one overlaid chart; nothing breaks the CSP.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBytes, logMedium } from '../src/record/media-log.ts';
import { prepareRunDir } from '../src/record/run-dir.ts';
import { runFolder, type PreparedRun } from '../src/run/prepared.ts';
import type { PreviewServer } from '../src/site/preview.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { makePng } from './helpers/images.ts';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

let work: string;
let ids: string[];
let server: PreviewServer;
let browser: Browser;
const logged = new Map<string, string>(); // sha256 of each logged image -> "<run> step <n>"

function writeRun(root: string, run: PreparedRun): void {
  const folder = join(root, runFolder(run.record));
  mkdirSync(join(folder, 'media'), { recursive: true });
  for (const [name, text] of Object.entries(run.files)) writeFileSync(join(folder, name), text);
  for (const [name, bytes] of Object.entries(run.media ?? {})) writeFileSync(join(folder, 'media', name), bytes);
}

async function makeRun(name: string, steps: number[], seed: number, matrix: number[][], scores: number[]): Promise<string> {
  const dir = join(work, `job-${name}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'run.yaml'), `project: vision\nname: ${name}\ncreated: 2026-11-2${seed}T10:00:00Z\n`);
  for (const step of steps) {
    const png = makePng(16, 12, { seed: seed * 10 + step });
    logged.set(sha256(png), `${name} step ${step}`);
    logMedium(dir, 'val/samples', 'image', png, { step });
  }
  logMedium(dir, 'val/confusion', 'confusion_matrix', jsonBytes({ labels: ['cat', 'dog'], matrix }));
  logMedium(dir, 'val/roc', 'curve', jsonBytes({ curve: 'roc', x: [0, 0.2, 1], y: [0, scores[0], 1], auc: scores[1] }));
  const prepared = await prepareRunDir(dir, {}, { cwd: work, warn: () => {} });
  writeRun(join(work), prepared);
  return prepared.record.id;
}

beforeAll(async () => {
  work = tempDir('runpages-compare-media-');
  const a = await makeRun(
    'baseline',
    [0, 1, 2],
    1,
    [
      [8, 2],
      [3, 7],
    ],
    [0.6, 0.7],
  );
  const b = await makeRun(
    'candidate',
    [0, 2, 5],
    2,
    [
      [9, 1],
      [1, 9],
    ],
    [0.8, 0.85],
  );
  ids = [a, b];
  mkdirSync(join(work, 'comparisons'));
  writeFileSync(join(work, 'comparisons', 'media.yaml'), `title: Media side by side\nruns: [${a}, ${b}]\nbaseline: ${a}\n`);
  const build = await runCli(['build', '--from', 'runs', '--out', 'out', '--now', '2026-12-01T00:00:00Z'], {
    cwd: work,
    env: { RUNPAGES_WORKERS: '1' },
    timeoutMs: 300_000,
  });
  expect(build.code, build.stderr).toBe(0);
  server = await serveSite(join(work, 'out'));
  browser = await launchBrowser();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = collectErrors(page, { requests: true });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  await page.goto(new URL(path, server.url).href, { waitUntil: 'networkidle' });
  return { page, errors };
}

/** What each visible image of the samples row shows: its logged run and step, and where it sits. */
async function shownImages(page: Page): Promise<Array<{ shows: string; x: number; y: number; width: number }>> {
  const row = page.locator('.cmp-media-row').filter({ hasText: 'val/samples' });
  const images = row.locator('.cmp-media-step:not([hidden]) img');
  const out = [];
  for (let i = 0; i < (await images.count()); i++) {
    const image = images.nth(i);
    await image.scrollIntoViewIfNeeded();
    expect(await image.evaluate((img) => (img as HTMLImageElement).decode().then(() => (img as HTMLImageElement).naturalWidth))).toBe(16);
    const src = (await image.getAttribute('src')) as string;
    const bytes = readFileSync(join(work, 'out', src.replace(/^\//, '')));
    const box = (await image.boundingBox())!;
    out.push({ shows: logged.get(sha256(bytes)) ?? `unknown ${src}`, x: box.x, y: box.y, width: box.width });
  }
  return out;
}

describe('media in a saved comparison', () => {
  it("shows both runs' images side by side, each the bytes that were logged, at each run's last step", async () => {
    const { page, errors } = await open('c/media/');
    const images = await shownImages(page);
    expect(images.map((image) => image.shows)).toEqual(['baseline step 2', 'candidate step 5']);
    expect(await page.locator('.cmp-media-step:not([hidden]) > .cmp-media-images > figure img').count()).toBe(2);
    // Side by side: the same row, the second to the right of the first.
    expect(Math.abs(images[0]!.y - images[1]!.y)).toBeLessThan(2);
    expect(images[1]!.x).toBeGreaterThan(images[0]!.x + images[0]!.width);
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    await page.close();
  });

  it('one slider moves every run: the same step where it logged it, else its nearest', async () => {
    const { page } = await open('c/media/');
    const slider = page.locator('[data-compare-media-slider]');
    // The steps of all runs: 0, 1, 2, 5.
    await slider.fill('0');
    expect((await shownImages(page)).map((image) => image.shows)).toEqual(['baseline step 0', 'candidate step 0']);
    await slider.fill('1');
    expect((await shownImages(page)).map((image) => image.shows)).toEqual(['baseline step 1', 'candidate step 0']);
    await slider.fill('3');
    expect((await shownImages(page)).map((image) => image.shows)).toEqual(['baseline step 2', 'candidate step 5']);
    await page.close();
  });

  it('confusion matrices side by side with their difference; ROC curves overlaid', async () => {
    const { page } = await open('c/media/');
    const confusion = page.locator('.cmp-media-row').filter({ hasText: 'val/confusion' });
    expect(await confusion.locator('.cmp-media-column svg[role="img"]').count()).toBe(2);
    const delta = confusion.locator('table.cmp-media-delta');
    expect(await delta.locator('caption').innerText()).toBe('candidate − baseline');
    // cat: 0.9 - 0.8 on the diagonal (better), dog: 0.9 - 0.7.
    expect(await delta.locator('tbody tr').first().locator('td').allInnerTexts()).toEqual(['+0.100', '−0.100']);
    expect(await delta.locator('tbody tr').first().locator('td').first().getAttribute('class')).toBe('cmp-better');
    const roc = page.locator('.cmp-media-row').filter({ hasText: 'val/roc' });
    const overlay = roc.locator('.cmp-media-overlay svg');
    expect(await overlay.count()).toBe(1);
    expect(
      (await overlay.locator('path[stroke="#0072B2"], g[stroke="#0072B2"] path').count()) + (await overlay.locator('[stroke="#E69F00"]').count()),
    ).toBeGreaterThan(0);
    expect(await roc.innerText()).toContain('AUC 0.8500');
    await page.close();
  });
});

describe('media on the interactive comparison /compare/', () => {
  it('shows both images side by side with one slider; confusion differences as on saved comparisons', async () => {
    const { page, errors } = await open(`compare/?runs=${ids.join(',')}`);
    await page.locator('[data-media] .cmp-media-row').first().waitFor();
    const images = await shownImages(page);
    expect(images.map((image) => image.shows)).toEqual(['baseline step 2', 'candidate step 5']);
    expect(Math.abs(images[0]!.y - images[1]!.y)).toBeLessThan(2);
    expect(images[1]!.x).toBeGreaterThan(images[0]!.x + images[0]!.width);
    await page.locator('[data-compare-media-slider]').fill('1');
    expect((await shownImages(page)).map((image) => image.shows)).toEqual(['baseline step 1', 'candidate step 0']);
    expect(await page.locator('table.cmp-media-delta caption').innerText()).toBe('candidate − baseline');
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    await page.close();
  });
});

describe('compare --markdown', () => {
  it("links each run's last image through the site's media/ path, side by side in one table row", async () => {
    writeFileSync(join(work, 'runpages.config.yaml'), 'site:\n  url: https://team.example/ml\n');
    const result = await runCli(['compare', ...ids, '--from', 'runs', '--markdown'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const row = result.stdout.split('\n').find((line) => line.startsWith('| `val/samples`'))!;
    const urls = [...row.matchAll(/\]\((https:[^)]+)\)/g)].map((match) => match[1]!);
    expect(urls).toHaveLength(2);
    // Each link is a file the build published, holding the image logged at the run's last step.
    expect(urls.map((url) => logged.get(sha256(readFileSync(join(work, 'out', url.replace('https://team.example/ml/', ''))))))).toEqual([
      'baseline step 2',
      'candidate step 5',
    ]);
  });
});
