/**
 * The build's media stage on its own: verified copies within the site budget, the newest steps on a
 * page, and a line in the report for every medium left out.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedRun } from '../src/index/load.ts';
import { logMedium } from '../src/record/media-log.ts';
import { prepareRunDir } from '../src/record/run-dir.ts';
import { parseMediaManifest } from '../src/run/media.ts';
import { prepareSiteMedia } from '../src/site/media-build.ts';
import { tempDir } from './helpers/git.ts';
import { makePng } from './helpers/images.ts';

async function runWith(log: (dir: string) => void): Promise<{ run: LoadedRun; media: Record<string, Uint8Array> }> {
  const dir = tempDir();
  writeFileSync(join(dir, 'run.yaml'), 'project: p\ncreated: 2026-11-20T10:00:00Z\n');
  log(dir);
  const prepared = await prepareRunDir(dir, {}, { cwd: dir, warn: () => {} });
  const media = parseMediaManifest(prepared.files['media.json'] as string, 'media.json');
  return { run: { record: prepared.record, folder: `runs/p/2026-11/${prepared.record.id}`, hash: 'h', seriesNames: [], media }, media: prepared.media ?? {} };
}

const source = (files: Record<string, Uint8Array>) => ({ read: async (_folder: string, file: string) => files[file.slice('media/'.length)] });

describe('the site media stage', () => {
  it('keeps the newest steps of a key on the page and says how many are not', async () => {
    const { run, media } = await runWith((dir) => {
      for (let step = 0; step < 30; step++) logMedium(dir, 'samples', 'text', new TextEncoder().encode(`text ${step}`), { step });
    });
    const out = tempDir();
    const site = await prepareSiteMedia({ runs: [run], source: source(media), out, budget: 1e9 });
    const view = site.byRun.get(run.record.id)!;
    const group = view.groups[0] as { items: { step?: number; text?: string }[] };
    expect(group.items.map((item) => item.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 10));
    expect(view.olderSteps).toEqual({ 'text\0samples': 10 });
    expect(site.leftOut.map((left) => left.reason)).toEqual(['its 10 earliest steps are not on the page: a run page holds the newest 20 steps of a text']);
  });

  it('copies verified images until the budget is used, newest first, and reports the rest', async () => {
    const pngs = [0, 1, 2].map((seed) => makePng(60, 60, { seed, noise: true }));
    const { run, media } = await runWith((dir) => pngs.forEach((png, step) => logMedium(dir, 'grid', 'image', png, { step })));
    const out = tempDir();
    const budget = pngs[0]!.length * 2 + 10;
    const site = await prepareSiteMedia({ runs: [run], source: source(media), out, budget, publicUrl: 'https://store.example/runs' });
    const items = (site.byRun.get(run.record.id)!.groups[0] as { items: { step?: number; src?: string; href?: string; missing?: string }[] }).items;
    expect(items.map((item) => [item.step, Boolean(item.src)])).toEqual([
      [0, false],
      [1, true],
      [2, true],
    ]);
    expect(items[0]!.missing).toMatch(/the site's media budget of .* is used up/);
    expect(items[0]!.href).toMatch(/^https:\/\/store\.example\/runs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{62}$/);
    for (const item of items.filter((i) => i.src)) expect(existsSync(join(out, item.src!))).toBe(true);
    expect(site.leftOut).toHaveLength(1);
    expect(site.bytes).toBeLessThanOrEqual(budget);
  });

  it('never shows a copy whose bytes do not match its sha256', async () => {
    const { run, media } = await runWith((dir) => logMedium(dir, 'grid', 'image', makePng(8, 8), { step: 1 }));
    const forged = Object.fromEntries(Object.keys(media).map((name) => [name, makePng(8, 8, { seed: 99 })]));
    const out = tempDir();
    const site = await prepareSiteMedia({ runs: [run], source: source(forged), out, budget: 1e9 });
    const item = (site.byRun.get(run.record.id)!.groups[0] as { items: { src?: string; missing?: string }[] }).items[0]!;
    expect(item.src).toBeUndefined();
    expect(item.missing).toMatch(/does not match its sha256/);
    expect(existsSync(join(out, 'media'))).toBe(false);
  });
});
