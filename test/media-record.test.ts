import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitRuns } from '../src/branch/commit.ts';
import { enqueue, listQueue } from '../src/branch/queue.ts';
import { logMedium, jsonBytes } from '../src/record/media-log.ts';
import { prepareRunDir } from '../src/record/run-dir.ts';
import { MEDIA_BRANCH_BUDGET } from '../src/run/limits.ts';
import { parseMediaManifest } from '../src/run/media.ts';
import { runFolder } from '../src/run/prepared.ts';
import { rocCurve } from '../src/run/curves.ts';
import { git, makeTestRepo, tempDir } from './helpers/git.ts';
import { bombPng, makeJpeg, makePng } from './helpers/images.ts';

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');
const context = (warnings: string[] = []) => ({ cwd: '/work/repo', now: () => new Date('2026-11-23T10:00:00Z'), warn: (m: string) => warnings.push(m) });

function runDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'run.yaml'), 'project: vision\nname: media-run\n');
  return dir;
}

describe('media in a run directory', () => {
  it('become a manifest, display copies and store objects; curves give summary metrics', async () => {
    const dir = runDir();
    const images = [1, 2, 3].map((seed) => makePng(8, 8, { seed }));
    images.forEach((png, step) => expect(logMedium(dir, 'val/samples', 'image', png, { step, caption: `epoch ${step}` }).ok).toBe(true));
    const tagged = makeJpeg(16, 16, 'GPSLatitude 51.5');
    expect(logMedium(dir, 'photo', 'image', tagged).ok).toBe(true);
    expect(
      logMedium(
        dir,
        'val/confusion',
        'confusion_matrix',
        jsonBytes({
          labels: ['cat', 'dog'],
          matrix: [
            [5, 1],
            [2, 7],
          ],
        }),
        { step: 2 },
      ).ok,
    ).toBe(true);
    expect(logMedium(dir, 'val/roc', 'curve', jsonBytes(rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]))).ok).toBe(true);
    expect(logMedium(dir, 'samples', 'text', new TextEncoder().encode('hello token ghp_abcdefghijklmnopqrstuvwxyz0123456789'), { step: 1 }).ok).toBe(true);

    const warnings: string[] = [];
    const prepared = await prepareRunDir(dir, {}, context(warnings));
    expect(warnings).toEqual([]);
    const manifest = parseMediaManifest(prepared.files['media.json'] as string, 'media.json');
    expect(manifest.media.map((m) => [m.key, m.step ?? null])).toEqual([
      ['photo', null],
      ['samples', 1],
      ['val/confusion', 2],
      ['val/roc', null],
      ['val/samples', 0],
      ['val/samples', 1],
      ['val/samples', 2],
    ]);
    const first = manifest.media.find((m) => m.key === 'val/samples' && m.step === 0)!;
    expect(first).toMatchObject({ kind: 'image', mime: 'image/png', width: 8, height: 8, caption: 'epoch 0', sha256: sha256(images[0]!) });
    // A PNG without metadata is shown as logged: the same sha256.
    expect(first.display).toEqual({ file: `media/${sha256(images[0]!)}.png`, sha256: sha256(images[0]!), bytes: images[0]!.length });
    // The JPEG's copy lost its EXIF; the original in the store is untouched.
    const photo = manifest.media.find((m) => m.key === 'photo')!;
    expect(photo.sha256).toBe(sha256(tagged));
    const copy = prepared.media![photo.display!.file.slice('media/'.length)]!;
    expect(Buffer.from(copy).includes('GPSLatitude')).toBe(false);
    expect(sha256(copy)).toBe(photo.display!.sha256);
    expect(prepared.objects.map((o) => o.sha256)).toContain(sha256(tagged));
    // Text is masked before it reaches the branch or the store.
    const text = manifest.media.find((m) => m.key === 'samples')!;
    expect(Buffer.from(prepared.media![text.display!.file.slice(6)]!).toString()).not.toContain('ghp_');
    expect(prepared.record.metrics['val/roc/auc']).toBe(0.75);

    // On the branch: media.json beside run.yaml, the copies in a media/ folder.
    const repo = makeTestRepo();
    await commitRuns(repo.dir, 'runs', [prepared]);
    const listing = git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
    const folder = runFolder(prepared.record);
    expect(listing).toContain(`${folder}/media.json`);
    expect(listing).toContain(`${folder}/${first.display!.file}`);
    const shown = Buffer.from(git(repo.dir, 'cat-file', 'blob', `runs:${folder}/${first.display!.file}`), 'latin1');
    expect(shown.length).toBeGreaterThan(0);

    // A queued run keeps its display copies byte for byte until it is published.
    const cwd = tempDir();
    await enqueue(cwd, prepared, new Date('2026-11-23T10:00:00Z'));
    const [queued] = await listQueue(cwd);
    expect(Object.keys(queued!.run.media ?? {}).sort()).toEqual(Object.keys(prepared.media ?? {}).sort());
    for (const [name, bytes] of Object.entries(prepared.media ?? {})) expect(sha256(queued!.run.media![name]!)).toBe(sha256(bytes));
    expect(queued!.run.files['media.json']).toBe(prepared.files['media.json']);
  });

  it('a bad medium is left out with a reason; the run is still published', async () => {
    const dir = runDir();
    mkdirSync(join(dir, 'media'));
    writeFileSync(join(dir, 'media', 'bomb.png'), bombPng(6000, 6000));
    writeFileSync(join(dir, 'media', 'page.png'), '<html><script>alert(1)</script></html>');
    writeFileSync(join(dir, 'media', 'evil.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    writeFileSync(
      join(dir, 'media.jsonl'),
      `${[
        { key: 'bomb', kind: 'image', file: 'media/bomb.png' },
        { key: 'page', kind: 'image', file: 'media/page.png' },
        { key: 'evil', kind: 'image', file: 'media/evil.svg' },
        { key: 'gone', kind: 'image', file: 'media/missing.png' },
        { key: 'escape', kind: 'image', file: 'media/../../x.png' },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n')}\n{"key": "cut`,
    );
    const warnings: string[] = [];
    const prepared = await prepareRunDir(dir, {}, context(warnings));
    const manifest = parseMediaManifest(prepared.files['media.json'] as string, 'media.json');
    expect(manifest.left_out.map((l) => [l.line, l.key, l.reason.replace(/\d{4} x \d{4}.*$/, '')])).toEqual([
      [1, 'bomb', 'media/bomb.png looks like a decompression bomb: '],
      [2, 'page', 'media/page.png is not a PNG, JPEG, GIF, WebP or SVG image (judged by its bytes, not its name)'],
      [4, 'gone', 'names media/missing.png, which is missing or not a regular file'],
      [5, 'escape', expect.stringContaining('whose path')],
    ]);
    expect(warnings).toHaveLength(4);
    // The scripted SVG is kept in the store only.
    expect(manifest.media).toHaveLength(1);
    expect(manifest.media[0]).toMatchObject({ key: 'evil', no_display: expect.stringMatching(/<script> element, so it is kept in the store only/) });
    expect(manifest.media[0]!.display).toBeUndefined();
    expect(prepared.media ?? {}).toEqual({});
  });

  it('the branch copies stay within the run budget, newest steps first', async () => {
    const dir = runDir();
    // Random bytes do not compress: each PNG is about 600 KB.
    const big = (seed: number): Buffer => makePng(450, 450, { seed, noise: true });
    for (let step = 0; step < 6; step++) logMedium(dir, 'grid', 'image', big(step), { step });
    const prepared = await prepareRunDir(dir, {}, context());
    const manifest = parseMediaManifest(prepared.files['media.json'] as string, 'media.json');
    const total = Object.values(prepared.media ?? {}).reduce((sum, bytes) => sum + bytes.length, 0);
    expect(total).toBeLessThanOrEqual(MEDIA_BRANCH_BUDGET);
    const shown = manifest.media.filter((m) => m.display).map((m) => m.step);
    expect(shown).toContain(5);
    expect(manifest.media.filter((m) => m.no_display).length).toBeGreaterThan(0);
    expect(manifest.media.find((m) => m.no_display)!.no_display).toMatch(/budget of 2 MB/);
    expect(readFileSync(join(dir, 'media.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(6);
  });
});
