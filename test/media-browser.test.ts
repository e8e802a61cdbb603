/**
 * Media in Chromium: hostile media (an SVG with script, payloads in keys, captions, table cells and
 * texts, a branch edited by hand to publish a scripted SVG) run nothing and need no CSP rescue; the
 * step slider and the predictions table work; every image shown decodes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

const PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const SCRIPTED_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="window.__pwned=3"><script>window.__pwned=4;alert(1)</script><rect width="20" height="20"/></svg>';
const PLAIN_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="teal"/></svg>';
const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

let work: string;
let server: PreviewServer;
let browser: Browser;
let id: string;

/** Writes a prepared run into a folder laid out like the branch's runs/. */
function writeRun(root: string, run: PreparedRun): string {
  const folder = join(root, runFolder(run.record));
  mkdirSync(join(folder, 'media'), { recursive: true });
  for (const [name, text] of Object.entries(run.files)) writeFileSync(join(folder, name), text);
  for (const [name, bytes] of Object.entries(run.media ?? {})) writeFileSync(join(folder, 'media', name), bytes);
  return folder;
}

beforeAll(async () => {
  work = tempDir('runpages-media-browser-');
  const dir = join(work, 'job');
  mkdirSync(dir);
  writeFileSync(join(dir, 'run.yaml'), 'project: media\nname: hostile-media\ncreated: 2026-11-20T10:00:00Z\n');
  for (let step = 0; step < 3; step++) logMedium(dir, `samples ${PAYLOAD}`, 'image', makePng(12, 12, { seed: step }), { step, caption: `caption ${PAYLOAD}` });
  logMedium(dir, 'vector', 'image', new TextEncoder().encode(PLAIN_SVG));
  logMedium(dir, 'scripted', 'image', new TextEncoder().encode(SCRIPTED_SVG));
  const thumb = logMedium(dir, 'thumbs', 'image', makePng(8, 8, { seed: 9 }));
  const image = thumb.ok ? thumb.sha256 : '';
  const rows = Array.from({ length: 40 }, (_, i) => [
    { image },
    i % 3 === 0 ? 'cat' : 'dog',
    i % 4 === 0 ? 'cat' : 'dog',
    i / 40,
    i === 7 ? PAYLOAD : `row ${i}`,
  ]);
  logMedium(dir, 'val/predictions', 'table', jsonBytes({ columns: ['image', 'label', 'prediction', 'score', 'note'], rows }));
  logMedium(
    dir,
    'val/confusion',
    'confusion_matrix',
    jsonBytes({
      labels: [PAYLOAD, 'dog'],
      matrix: [
        [3, 1],
        [0, 4],
      ],
    }),
  );
  logMedium(dir, 'samples/text', 'text', new TextEncoder().encode(`generated ${PAYLOAD}`), { step: 1 });
  const prepared = await prepareRunDir(dir, {}, { cwd: work, warn: () => {} });
  id = prepared.record.id;
  const folder = writeRun(work, prepared);
  // A branch edited by hand: a scripted SVG put beside media.json with a manifest claiming it as a copy.
  const svgSha = sha256(SCRIPTED_SVG);
  writeFileSync(join(folder, 'media', `${svgSha}.svg`), SCRIPTED_SVG);
  const manifest = JSON.parse(prepared.files['media.json'] as string) as { media: Record<string, unknown>[] };
  manifest.media.push({
    key: 'forged',
    kind: 'image',
    sha256: svgSha,
    bytes: SCRIPTED_SVG.length,
    mime: 'image/svg+xml',
    width: 20,
    height: 20,
    display: { file: `media/${svgSha}.svg`, sha256: svgSha, bytes: SCRIPTED_SVG.length },
  });
  writeFileSync(join(folder, 'media.json'), JSON.stringify(manifest));
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

async function open(path: string): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const errors = collectErrors(page, { requests: true });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  await page.goto(new URL(path, server.url).href, { waitUntil: 'networkidle' });
  return { page, dialogs, errors };
}

async function expectSafe(page: Page, dialogs: string[]): Promise<void> {
  await page.waitForTimeout(300);
  const state = await page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    violations: (window as unknown as { __violations: string[] }).__violations,
  }));
  expect(state.pwned).toBeUndefined();
  expect(state.violations).toEqual([]);
  expect(dialogs).toEqual([]);
}

describe('media in Chromium', () => {
  it('an SVG with script is never published, even from a hand-edited branch; a plain one is an <img>', async () => {
    const published = readdirSync(join(work, 'out', 'media'));
    expect(published).not.toContain(`${sha256(SCRIPTED_SVG)}.svg`);
    expect(published).toContain(`${sha256(PLAIN_SVG)}.svg`);
    const { page, dialogs, errors } = await open(`r/${id}/`);
    const svgs = await page.locator(`img[src$="${sha256(PLAIN_SVG)}.svg"]`).count();
    expect(svgs).toBe(1);
    expect(await page.locator('main').innerText()).toMatch(/Not shown: is an SVG with a <script> element/);
    await expectSafe(page, dialogs);
    expect(errors).toEqual([]);
    await page.close();
    // Even opened directly, the published SVG is inert; the scripted one is not there to open.
    const direct = await open(`media/${sha256(PLAIN_SVG)}.svg`);
    await expectSafe(direct.page, direct.dialogs);
    await direct.page.close();
    expect(existsSync(join(work, 'out', 'media', `${sha256(SCRIPTED_SVG)}.svg`))).toBe(false);
  });

  it('payloads in keys, captions, labels, cells and texts are text', async () => {
    const { page, dialogs } = await open(`r/${id}/`);
    const text = await page.locator('main').innerText();
    expect(text).toContain(`samples ${PAYLOAD}`);
    expect(text).toContain(`generated ${PAYLOAD}`);
    await expectSafe(page, dialogs);
    await page.close();
  });

  it('the step slider shows each step, the last one first; every image decodes', async () => {
    const { page, dialogs } = await open(`r/${id}/`);
    const group = page.locator('[data-media-kind="image"]').filter({ hasText: 'samples <img' });
    const visible = async () => group.locator('.media-step:not([hidden]) img').getAttribute('alt');
    expect(await visible()).toBe(`caption ${PAYLOAD}`);
    expect(await group.locator('output').innerText()).toBe('step 2');
    await group.locator('input[type="range"]').fill('0');
    expect(await group.locator('output').innerText()).toBe('step 0');
    await page.waitForTimeout(200);
    // Lazy images below the fold load once asked for.
    const decoded = await page.locator('.media-step:not([hidden]) img').evaluateAll((images) =>
      Promise.all(
        images.map((img) => {
          (img as HTMLImageElement).loading = 'eager';
          return (img as HTMLImageElement).decode().then(
            () => (img as HTMLImageElement).naturalWidth,
            () => 0,
          );
        }),
      ),
    );
    expect(decoded.length).toBeGreaterThan(1);
    expect(decoded.every((width) => width > 0)).toBe(true);
    await expectSafe(page, dialogs);
    await page.close();
  });

  it('the predictions table sorts, filters and pages, with mispredictions marked and image cells as thumbnails', async () => {
    const { page, dialogs } = await open(`r/${id}/`);
    const table = page.locator('[data-media-table]');
    expect(await table.locator('[data-table-status]').innerText()).toBe('1-25 of 40 rows');
    await table.locator('[data-table-next]').click();
    expect(await table.locator('[data-table-status]').innerText()).toBe('26-40 of 40 rows');
    await table.locator('[data-table-wrong]').check();
    const wrong = await table.locator('tbody tr').count();
    expect(wrong).toBe(await table.locator('tbody tr.mispredicted').count());
    await table.locator('[data-table-wrong]').uncheck();
    await table.locator('[data-table-filter]').fill('row 13');
    expect(await table.locator('tbody tr').count()).toBe(1);
    await table.locator('[data-table-filter]').fill('');
    await table.locator('th[data-column="3"] button').click();
    await table.locator('th[data-column="3"] button').click();
    expect(await table.locator('tbody tr').first().locator('td').nth(3).innerText()).toBe('0.975');
    const thumbs = await table.locator('img.thumb').evaluateAll((images) =>
      Promise.all(
        images.map((img) => {
          (img as HTMLImageElement).loading = 'eager';
          return (img as HTMLImageElement).decode().then(
            () => (img as HTMLImageElement).naturalWidth,
            () => 0,
          );
        }),
      ),
    );
    expect(thumbs.length).toBeGreaterThan(0);
    expect(thumbs.every((width) => width === 8)).toBe(true);
    await expectSafe(page, dialogs);
    await page.close();
  });
});
