/**
 * The TypeScript API's media calls and `runpages log <kind>` write the run-directory protocol that
 * the commit path reads: media land on the branch with their manifest, refused ones warn and never
 * throw into the job.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRun } from '../src/record/api.ts';
import { parseMediaManifest } from '../src/run/media.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { bombPng, makePng } from './helpers/images.ts';

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');
let repo: TestRepo;

beforeAll(() => {
  repo = makeTestRepo();
});
afterAll(() => repo?.cleanup());

/** The manifest of the run `id` on the local runs branch. */
function manifestOf(id: string) {
  const files = git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
  const file = files.find((path) => path.includes(`/${id}/`) && path.endsWith('/media.json'));
  expect(file, `media.json of ${id}`).toBeDefined();
  return {
    manifest: parseMediaManifest(git(repo.dir, 'show', `runs:${file}`), file as string),
    files,
    folder: (file as string).slice(0, -'/media.json'.length),
  };
}

describe('media from the TypeScript API', () => {
  it('logs every kind, computes ROC/PR with their AUC and AP, and warns about a refused image', async () => {
    const warnings: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      warnings.push(String(chunk));
      return true;
    });
    const saved = process.env.RUNPAGES_DIR;
    delete process.env.RUNPAGES_DIR;
    try {
      const run = await startRun({ project: 'ts-media', cwd: repo.dir, dir: join(tempDir(), 'run') });
      const png = makePng(10, 10, { seed: 5 });
      const file = join(tempDir(), 'grid.png');
      writeFileSync(file, png);
      expect(run.logImage('samples', file, { step: 1, caption: 'from a path' })).toBe(sha256(png));
      expect(run.logImage('samples', makePng(10, 10, { seed: 6 }), { step: 2 })).toMatch(/^[0-9a-f]{64}$/);
      expect(run.logImage('bomb', bombPng(5000, 5000))).toBeUndefined();
      run.logConfusionMatrix('confusion', { yTrue: ['a', 'b', 'b'], yPred: ['a', 'a', 'b'] }, { step: 2 });
      run.logCurve('roc', { kind: 'roc', yTrue: [0, 0, 1, 1], yScore: [0.1, 0.4, 0.35, 0.8] });
      run.logCurve('pr', { kind: 'pr', yTrue: [0, 0, 1, 1], yScore: [0.1, 0.4, 0.35, 0.8] });
      run.logHistogram('weights', [0, 1, 2, 3], { step: 1, bins: 3 });
      run.logTable('predictions', [{ image: makePng(4, 4), label: 'a', prediction: 'b' }]);
      run.logText('sample', 'hello');
      const outcome = await run.finish();
      expect(outcome.published.length + outcome.queued.length).toBe(1);
      const { manifest, files, folder } = manifestOf(run.id);
      // By key, then step.
      expect(manifest.media.map((m) => `${m.key} ${m.kind}${m.step === undefined ? '' : ` @${m.step}`}`)).toEqual([
        'confusion confusion_matrix @2',
        'pr curve',
        'predictions table',
        'predictions/images image',
        'roc curve',
        'sample text',
        'samples image @1',
        'samples image @2',
        'weights histogram @1',
      ]);
      expect(files).toContain(`${folder}/media/${sha256(png)}.png`);
      const record = git(repo.dir, 'show', `runs:${folder}/run.yaml`);
      expect(record).toMatch(/roc\/auc: 0\.75/);
      expect(record).toMatch(/pr\/ap: 0\.833333/);
      // Editing the run afterwards keeps its media: the folder is rewritten with its media/ subtree.
      const before = files.filter((path) => path.startsWith(`${folder}/`)).sort();
      const edited = await runCli(['edit', run.id, '--tag', '+reviewed'], { cwd: repo.dir });
      expect(edited.code, edited.stderr).toBe(0);
      const after = git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs')
        .split('\n')
        .filter((path) => path.startsWith(`${folder}/`))
        .sort();
      expect(after).toEqual(before);
      expect(git(repo.dir, 'show', `runs:${folder}/run.yaml`)).toMatch(/reviewed/);
      expect(git(repo.dir, 'cat-file', '-s', `runs:${folder}/media/${sha256(png)}.png`)).toBe(String(png.length));
    } finally {
      spy.mockRestore();
      if (saved !== undefined) process.env.RUNPAGES_DIR = saved;
    }
    expect(warnings.join('')).toMatch(/warning image "bomb" looks like a decompression bomb: 5000 x 5000 pixels.*; not logged/);
  });
});

describe('runpages log <kind> from a shell job', () => {
  it('logs an image with step and caption, and a text from stdin; a bad file warns and exits 0', async () => {
    const png = makePng(6, 6, { seed: 8 });
    writeFileSync(join(repo.dir, 'shot.png'), png);
    writeFileSync(join(repo.dir, 'fake.png'), 'not an image');
    const log = `${process.execPath} ${BIN} log`;
    const script = [
      `${log} image val/shot shot.png --step 3 --caption "epoch 3"`,
      `echo "generated text" | ${log} text samples - --step 3`,
      `${log} image val/fake fake.png`,
      'echo "$RUNPAGES_RUN_ID"',
    ].join(' && ');
    const result = await runCli(['record', '--project', 'shell-media', '--', 'sh', '-c', script], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning image "val\/fake" is not a PNG, JPEG, GIF, WebP or SVG image \(judged by its bytes, not its name\); not logged/);
    const id = result.stdout.trim().split('\n').at(-1) as string;
    const { manifest } = manifestOf(id);
    expect(manifest.media).toMatchObject([
      { key: 'samples', kind: 'text', step: 3 },
      { key: 'val/shot', kind: 'image', step: 3, caption: 'epoch 3', sha256: sha256(png), width: 6, height: 6 },
    ]);
  });
});
