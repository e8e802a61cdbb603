/**
 * Imports bring media over (docs/design.md#media): TensorBoard image, histogram, text and PR-curve
 * summaries, MLflow image and table artifacts, wandb history media. They go through the recorded
 * runs' commit path (checked, a bad medium left out with a warning, the run still imported), land on
 * the branch as media.json and display copies, and importing again changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { prepareImportedRun } from '../src/import/imported-run.ts';
import { scanMlflow } from '../src/import/mlflow.ts';
import { readTensorBoardRun } from '../src/import/tensorboard.ts';
import { readWandbRun } from '../src/import/wandb.ts';
import { readWandbLog } from '../src/import/wandb-log.ts';
import { parseMediaManifest, type MediaManifest } from '../src/run/media.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { makePng } from './helpers/images.ts';
import { writeMlruns } from './helpers/mlruns.ts';
import { writeWandbLog } from './helpers/wandb-log.ts';
import { eventFile, type SummaryValue } from './helpers/tfevents.ts';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const doubles = (values: number[]): Uint8Array => {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((value, i) => bytes.writeDoubleLE(value, i * 8));
  return bytes;
};
const KERAS_TRAIN = fileURLToPath(new URL('./fixtures/tensorboard/keras-TheCodeheadMT-TensorBoard-Tutorial/train', import.meta.url));
const TBX = fileURLToPath(new URL('./fixtures/tensorboard-media', import.meta.url));
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;

const png = (seed: number): Buffer => makePng(4, 3, { seed });

/** One event file with every kind of summary TensorBoard writers produce, and some they should not. */
function mediaEvents(): Buffer {
  const legacyImage = (step: number): SummaryValue => ({ tag: 'samples', image: { width: 4, height: 3, encoded: png(step) } });
  // TF2 tf.summary.image: a string tensor [width, height, image...]; the plugin named on the first value only.
  const pluginImages = (step: number, first: boolean): SummaryValue => ({
    tag: 'val/grid',
    ...(first ? { plugin: 'images' } : {}),
    tensor: { dtype: DT_STRING, shape: [4], strings: [utf8('4'), utf8('3'), png(10 + step), png(20 + step)] },
  });
  const events = [
    { wallTime: 1_700_000_001, step: 1, scalars: { loss: 0.5 }, values: [legacyImage(1), pluginImages(1, true)] },
    {
      wallTime: 1_700_000_002,
      step: 2,
      values: [
        legacyImage(2),
        pluginImages(2, false),
        // torch add_histogram: HistogramProto, bucket_limit are the right edges.
        { tag: 'weights', histo: { min: -1, max: 2, num: 6, sum: 3, sumSquares: 7, limits: [0, 1, 2], counts: [1, 2, 3] } },
        // Keras / TF2: a [k, 3] double tensor of left, right, count, in tensor_content.
        { tag: 'bias', plugin: 'histograms', tensor: { dtype: DT_DOUBLE, shape: [2, 3], content: doubles([0, 0.5, 4, 0.5, 1, 6]) } },
        { tag: 'generation', plugin: 'text', tensor: { dtype: DT_STRING, shape: [], strings: [utf8('the cat sat')] } },
        {
          tag: 'pr',
          plugin: 'pr_curves',
          pluginContent: new Uint8Array([0x10, 3]),
          // TP, FP, TN, FN, precision, recall for 3 thresholds.
          tensor: { dtype: DT_FLOAT, shape: [6, 3], floats: [5, 3, 1, 5, 1, 0, 0, 4, 5, 0, 2, 4, 0.5, 0.75, 1, 1, 0.6, 0.2] },
        },
        { tag: 'voice', audio: new Uint8Array([1, 2, 3]) },
        { tag: 'keras', plugin: 'graph_keras_model', tensor: { dtype: DT_STRING, shape: [], strings: [utf8('{}')] } },
        { tag: 'broken', image: { width: 4, height: 3, encoded: utf8('not an image at all') } },
      ],
    },
  ];
  return eventFile(1_700_000_000, events);
}

function logdir(): string {
  const dir = join(tempDir('runpages-tbmedia-'), 'logs');
  mkdirSync(join(dir, 'run1'), { recursive: true });
  writeFileSync(join(dir, 'run1', 'events.out.tfevents.1700000000.host'), mediaEvents());
  return dir;
}

describe('TensorBoard summaries as media', () => {
  test('images (legacy and plugin), histograms, text and PR curves; the rest counted by reason', async () => {
    const dir = logdir();
    const run = await readTensorBoardRun(join(dir, 'run1'), ['events.out.tfevents.1700000000.host'], { name: 'run1', project: 'tb' });
    expect(run.media?.map((m) => [m.key, m.kind, m.step, m.caption ?? null])).toEqual([
      ['samples', 'image', 1, null],
      ['val/grid', 'image', 1, 'sample 1 of 2'],
      ['val/grid', 'image', 1, 'sample 2 of 2'],
      ['samples', 'image', 2, null],
      ['val/grid', 'image', 2, 'sample 1 of 2'],
      ['val/grid', 'image', 2, 'sample 2 of 2'],
      ['weights', 'histogram', 2, null],
      ['bias', 'histogram', 2, null],
      ['generation', 'text', 2, null],
      ['pr', 'curve', 2, null],
      ['broken', 'image', 2, null],
    ]);
    const data = (key: string): unknown => {
      const content = run.media!.find((m) => m.key === key)!.content;
      return 'data' in content ? JSON.parse(new TextDecoder().decode(content.data)) : undefined;
    };
    // The outer edges are the data's min and max, as TensorBoard's data_compat makes them.
    expect(data('weights')).toEqual({ bins: [-1, 0, 1, 2], counts: [1, 2, 3] });
    expect(data('bias')).toEqual({ bins: [0, 0.5, 1], counts: [4, 6] });
    expect(data('pr')).toEqual({ curve: 'pr', x: [1, 0.6000000238418579, 0.20000000298023224], y: [0.5, 0.75, 1], x_label: 'recall', y_label: 'precision' });
    expect(run.media!.find((m) => m.key === 'samples')!.time).toBe(1_700_000_001);
    expect(run.series.get('loss')!.value).toEqual([0.5]);
    expect(run.warnings.sort()).toEqual([
      `${join(dir, 'run1')}: left out 1 audio values (runpages has no audio media); tag "voice"`,
      `${join(dir, 'run1')}: left out 1 values of the "graph_keras_model" plugin (runpages imports scalars, hparams, images, histograms, text and PR curves); tag "keras"`,
    ]);
  });

  test('prepared like a recorded run: a bad image is left out with its reason, the originals are kept in memory', async () => {
    const dir = logdir();
    const run = await readTensorBoardRun(join(dir, 'run1'), ['events.out.tfevents.1700000000.host'], { name: 'run1', project: 'tb' });
    const warnings: string[] = [];
    const cwd = tempDir();
    const prepared = await prepareImportedRun(run, { cwd, stagingRoot: join(cwd, 'staging'), warn: (message) => warnings.push(message) });
    const manifest = parseMediaManifest(prepared.files['media.json']!, 'media.json');
    expect(manifest.media.map((m) => m.key)).toEqual([
      'bias',
      'generation',
      'pr',
      'samples',
      'samples',
      'val/grid',
      'val/grid',
      'val/grid',
      'val/grid',
      'weights',
    ]);
    expect(manifest.left_out).toEqual([{ line: 11, key: 'broken', reason: expect.stringContaining('media/11.bin') }]);
    expect(warnings).toEqual([expect.stringMatching(/^media\.jsonl:11 \("broken"\): media\/11\.bin .*; left out of the run's media$/)]);
    const sample = manifest.media.find((m) => m.key === 'samples' && m.step === 2)!;
    expect(sample).toMatchObject({ kind: 'image', mime: 'image/png', width: 4, height: 3, sha256: sha256(png(2)), time: 1_700_000_001 + 1 });
    // The staging folder is gone: every object holds its bytes (they came from the event file).
    const object = prepared.objects.find((o) => o.sha256 === sample.sha256)!;
    expect('data' in object.source && sha256(object.source.data)).toBe(sample.sha256);
    expect(prepared.media?.[`${sample.sha256}.png`]).toBeDefined();
  });

  test('a tag logged at many steps keeps an even spread of them, first and last included', async () => {
    const dir = join(tempDir('runpages-tbmedia-'), 'logs');
    mkdirSync(dir, { recursive: true });
    const events = Array.from({ length: 120 }, (_, step) => ({
      wallTime: 1_700_000_000 + step,
      step,
      values: [{ tag: 'frames', image: { width: 4, height: 3, encoded: png(step) } } as SummaryValue],
    }));
    writeFileSync(join(dir, 'events.out.tfevents.1'), eventFile(1_700_000_000, events));
    const run = await readTensorBoardRun(dir, ['events.out.tfevents.1'], { name: 'logs', project: 'tb' });
    const steps = run.media!.map((m) => m.step);
    expect(steps).toHaveLength(50);
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(119);
    expect(run.warnings).toEqual([expect.stringContaining('left out 70 image steps past the 50 kept a tag')]);
  });

  test("the real Keras run's weight histograms (TF2 histograms plugin tensors) import as histograms", async () => {
    const files = readdirSync(KERAS_TRAIN).filter((name) => name.includes('tfevents'));
    const run = await readTensorBoardRun(KERAS_TRAIN, files, { name: 'train', project: 'tb' });
    const histograms = run.media!.filter((m) => m.kind === 'histogram');
    expect(new Set(histograms.map((m) => m.key)).size).toBe(6);
    expect(histograms).toHaveLength(6 * 20);
    for (const medium of histograms) {
      const { bins, counts } = JSON.parse(new TextDecoder().decode((medium.content as { data: Uint8Array }).data)) as { bins: number[]; counts: number[] };
      expect(bins).toHaveLength(counts.length + 1);
      expect(bins.every((edge, i) => i === 0 || edge >= bins[i - 1]!)).toBe(true);
    }
  });
});

describe('a run written by the real tensorboardX writer (test/fixtures/tensorboard-media)', () => {
  interface Tag {
    kind: string;
    plugin: string;
    steps: number[];
    values: any[];
  }
  const expected = JSON.parse(readFileSync(join(TBX, 'expected.json'), 'utf8')) as { file: string; tags: Record<string, Tag> };

  test('every image, histogram, text and PR curve imports with the values tensorboardX wrote', async () => {
    const run = await readTensorBoardRun(join(TBX, 'tbx'), [expected.file], { name: 'tbx', project: 'tb' });
    expect(run.warnings).toEqual([]);
    const media = run.media!;
    const of = (key: string) => media.filter((m) => m.key === key);
    const json = (content: { data: Uint8Array } | { path: string }): unknown => JSON.parse(new TextDecoder().decode((content as { data: Uint8Array }).data));
    for (const tag of ['samples/input', 'samples/batch']) {
      expect(of(tag).map((m) => [m.kind, m.step, sha256((m.content as { data: Uint8Array }).data)])).toEqual(
        expected.tags[tag]!.values.map((value, i) => ['image', expected.tags[tag]!.steps[i], value.sha256]),
      );
    }
    expect(of('weights/dense').map((m) => json(m.content))).toEqual(
      expected.tags['weights/dense']!.values.map((h) => ({ bins: [h.min, ...h.bucket_limit.slice(0, -1), h.max], counts: h.bucket })),
    );
    expect(of('generation/text_summary').map((m) => new TextDecoder().decode((m.content as { data: Uint8Array }).data))).toEqual(
      expected.tags['generation/text_summary']!.values.map((strings: string[]) => strings.join('\n')),
    );
    expect(of('pr/val').map((m) => json(m.content))).toEqual(
      expected.tags['pr/val']!.values.map((pr) => ({ curve: 'pr', x: pr.recall, y: pr.precision, x_label: 'recall', y_label: 'precision' })),
    );
    expect(run.series.get('loss')!.step).toEqual([0, 1, 2]);
  });

  test('prepared, every medium passes the commit path and keeps the size tensorboardX declared', async () => {
    const run = await readTensorBoardRun(join(TBX, 'tbx'), [expected.file], { name: 'tbx', project: 'tb' });
    const cwd = tempDir();
    const warnings: string[] = [];
    const prepared = await prepareImportedRun(run, { cwd, stagingRoot: join(cwd, 'staging'), warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    const manifest = parseMediaManifest(prepared.files['media.json']!, 'media.json');
    expect(manifest.left_out).toEqual([]);
    expect(manifest.media).toHaveLength(3 * 5);
    for (const tag of ['samples/input', 'samples/batch']) {
      expect(manifest.media.filter((m) => m.key === tag).map((m) => [m.width, m.height])).toEqual(expected.tags[tag]!.values.map((v) => [v.width, v.height]));
    }
  });
});

describe('import tensorboard with media (CLI, real git)', () => {
  let repo: TestRepo;
  let dir: string;
  let manifest: MediaManifest;
  let folder: string;

  beforeAll(async () => {
    repo = makeTestRepo();
    dir = logdir();
    const result = await runCli(['import', 'tensorboard', dir, '--project', 'tb'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('left out 1 audio values');
    const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
    const path = files.find((file) => file.endsWith('/media.json'))!;
    folder = path.slice(0, -'/media.json'.length);
    manifest = parseMediaManifest(git(repo.origin, 'show', `runs:${path}`), path);
  }, 120_000);

  test('the images are on the branch: display copies whose bytes match the logged sha256', () => {
    const images = manifest.media.filter((m) => m.kind === 'image');
    expect(images).toHaveLength(6);
    for (const image of images) {
      const bytes = readBlob(repo.origin, `runs:${folder}/${image.display!.file}`);
      expect(sha256(bytes)).toBe(image.display!.sha256);
      // A PNG without metadata is its own display copy.
      expect(image.display!.sha256).toBe(image.sha256);
    }
  });

  test('importing again changes nothing on the branch', async () => {
    const before = git(repo.origin, 'rev-parse', 'runs');
    const again = await runCli(['import', 'tensorboard', dir, '--project', 'tb'], { cwd: repo.dir });
    expect(again.code, again.stderr).toBe(0);
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
  });
});

/** A blob's bytes (git() trims text, which would change binary data). */
function readBlob(cwd: string, spec: string): Buffer {
  return execFileSync('git', ['cat-file', 'blob', spec], { cwd });
}

describe('MLflow image and table artifacts as media', () => {
  const RUN = 'f6'.repeat(16);
  const uuid = '1f0e8d7c-aaaa-bbbb-cccc-000000000001';
  let store: string;

  beforeAll(() => {
    const loggedArtifacts = JSON.stringify([{ path: 'eval/predictions.json', type: 'table' }]);
    store = writeMlruns(join(tempDir('runpages-mlmedia-'), 'mlruns'), [
      {
        run_id: RUN,
        run_name: 'cnn',
        start_time: 1_700_000_000_000,
        metrics: { acc: 0.9 },
        tags: { 'mlflow.loggedArtifacts': loggedArtifacts, 'mlflow.loggedImages': 'true' },
      },
    ]);
    const artifacts = join(store, '0', RUN, 'artifacts');
    const put = (path: string, bytes: Uint8Array | string): void => {
      mkdirSync(join(artifacts, path, '..'), { recursive: true });
      writeFileSync(join(artifacts, path), bytes);
    };
    // log_image(image, key="val/samples", step=n): "/" written as "#", a compressed .webp beside it.
    for (const step of [0, 1]) {
      const name = `images/val#samples%step%${step}%timestamp%${1_700_000_000_000 + step * 1000}%${uuid}`;
      put(`${name}.png`, png(step));
      put(`${name}%compressed.webp`, png(100 + step));
    }
    // Newer MLflow writes "+" for "%" (mlflow#14136).
    put(`images/grads+step+5+timestamp+1700000005000+g${uuid.slice(1)}.png`, png(5));
    // log_figure(fig, "plots/confusion.png") and log_table(df, "eval/predictions.json").
    put('plots/confusion.png', png(7));
    put(
      'eval/predictions.json',
      JSON.stringify({
        columns: ['text', 'label', 'prediction', 'score'],
        data: [
          ['good', 1, 1, 0.9],
          ['bad', 0, 1, 0.6],
          ['meh', null, 0, { p: 0.1 }],
        ],
      }),
    );
    put('broken.png', 'not a png');
    put('notes.txt', 'kept as an artifact only');
  });

  test('stepped images, figures and tables become media; the thumbnails and other files do not', async () => {
    const { tasks } = await scanMlflow(store);
    const run = await tasks[0]!.load();
    expect(run.media?.map((m) => [m.key, m.kind, m.step ?? null, m.time ?? null])).toEqual([
      ['broken', 'image', null, null],
      ['eval/predictions', 'table', null, null],
      ['grads', 'image', 5, 1_700_000_005],
      ['val/samples', 'image', 0, 1_700_000_000],
      ['val/samples', 'image', 1, 1_700_000_001],
      ['plots/confusion', 'image', null, null],
    ]);
    const table = run.media!.find((m) => m.kind === 'table')!;
    expect(JSON.parse(new TextDecoder().decode((table.content as { data: Uint8Array }).data))).toEqual({
      columns: ['text', 'label', 'prediction', 'score'],
      rows: [
        ['good', 1, 1, 0.9],
        ['bad', 0, 1, 0.6],
        ['meh', null, 0, '{"p":0.1}'],
      ],
    });
    const warnings: string[] = [];
    const cwd = tempDir();
    const prepared = await prepareImportedRun(run, { cwd, stagingRoot: join(cwd, 'staging'), warn: (message) => warnings.push(message) });
    const manifest = parseMediaManifest(prepared.files['media.json']!, 'media.json');
    expect(manifest.left_out.map((entry) => entry.key)).toEqual(['broken']);
    expect(warnings).toHaveLength(1);
    // The originals are read from the MLflow store itself, not from the removed staging folder.
    const sample = manifest.media.find((m) => m.key === 'val/samples' && m.step === 1)!;
    expect(prepared.objects.find((o) => o.sha256 === sample.sha256)!.source).toEqual({
      path: join(store, '0', RUN, 'artifacts', `images/val#samples%step%1%timestamp%1700000001000%${uuid}.png`),
    });
    expect(prepared.record.artifacts.map((a) => a.path)).toContain('eval/predictions.json');
  });

  test('imported through the CLI, the run lands with its media, and again with no change', async () => {
    const repo = makeTestRepo();
    try {
      const first = await runCli(['import', 'mlflow', store], { cwd: repo.dir });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('5 media');
      const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
      const path = files.find((file) => file.endsWith(`${RUN}/media.json`))!;
      const manifest = parseMediaManifest(git(repo.origin, 'show', `runs:${path}`), path);
      expect(manifest.media.map((m) => m.key)).toEqual(['eval/predictions', 'grads', 'plots/confusion', 'val/samples', 'val/samples']);
      const before = git(repo.origin, 'rev-parse', 'runs');
      const again = await runCli(['import', 'mlflow', store], { cwd: repo.dir });
      expect(again.code, again.stderr).toBe(0);
      expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
    } finally {
      repo.cleanup();
    }
  });
});

describe('wandb history media as media', () => {
  const FIXTURE = fileURLToPath(new URL('./fixtures/wandb/wandb-0.16.6/wandb', import.meta.url));

  /** A HistoryRecord (Record field 2) of items (key 1, value_json 16), as wandb writes them. */
  function historyRecord(items: Record<string, unknown>): Uint8Array {
    const history = new BinaryWriter();
    for (const [key, value] of Object.entries(items))
      history.tag(1, 2).bytes(new BinaryWriter().tag(1, 2).string(key).tag(16, 2).string(JSON.stringify(value)).finish());
    return new BinaryWriter().tag(2, 2).bytes(history.finish()).finish();
  }

  /** The real 0.16.6 finished run, with media rows appended to its log and their files in files/media. */
  function runWithMedia(): string {
    const source = join(FIXTURE, readdirSync(FIXTURE).find((name) => name.endsWith('done016'))!);
    const folder = join(tempDir('runpages-wbmedia-'), 'wandb', 'run-20260101_000000-done016');
    cpSync(source, folder, { recursive: true });
    const log = join(folder, 'run-done016.wandb');
    const records = readWandbLog(readFileSync(log)).records.map((record) => record.data);
    const put = (path: string, bytes: Uint8Array | string): void => {
      mkdirSync(join(folder, 'files', path, '..'), { recursive: true });
      writeFileSync(join(folder, 'files', path), bytes);
    };
    put('media/images/samples_30_aaaa.png', png(30));
    put('media/images/cell_1.png', png(41));
    put('media/images/grid_30_0.png', png(50));
    put('media/images/grid_30_1.png', png(51));
    put(
      'media/table/preds_31_bbbb.table.json',
      JSON.stringify({ columns: ['image', 'label', 'prediction'], data: [[{ _type: 'image-file', path: 'media/images/cell_1.png' }, 'cat', 'dog']] }),
    );
    const rows = [
      historyRecord({
        _step: 30,
        _timestamp: 1_700_000_030,
        samples: { _type: 'image-file', path: 'media/images/samples_30_aaaa.png', caption: 'epoch 30', format: 'png', width: 4, height: 3 },
      }),
      // wandb.log({"grid": [wandb.Image(a), wandb.Image(b)]}): one dict naming every file.
      historyRecord({
        _step: 30,
        grid: { _type: 'images/separated', filenames: ['media/images/grid_30_0.png', 'media/images/grid_30_1.png'], captions: ['left', 'right'], count: 2 },
      }),
      historyRecord({
        _step: 31,
        _timestamp: 1_700_000_031,
        preds: { _type: 'table-file', path: 'media/table/preds_31_bbbb.table.json', ncols: 3, nrows: 1 },
        val: { hist: { _type: 'histogram', bins: [0, 1, 2], values: [3, 4] } },
        gone: { _type: 'image-file', path: 'media/images/deleted_31.png' },
        clip: { _type: 'audio-file', path: 'media/audio/a.wav' },
        escape: { _type: 'image-file', path: '../../../etc/passwd' },
      }),
    ];
    writeFileSync(log, writeWandbLog([...records.slice(0, -1), ...rows, records.at(-1)!]));
    return folder;
  }

  test('images (captioned), tables with image cells and histograms come over; missing files, audio and escapes are counted', async () => {
    const folder = runWithMedia();
    const run = await readWandbRun([folder]);
    expect(run.media?.map((m) => [m.key, m.kind, m.step, m.caption ?? null])).toEqual([
      ['samples', 'image', 30, 'epoch 30'],
      ['grid', 'image', 30, 'left'],
      ['grid', 'image', 30, 'right'],
      ['preds/images', 'image', 31, null],
      ['preds', 'table', 31, null],
      ['val/hist', 'histogram', 31, null],
    ]);
    const table = JSON.parse(new TextDecoder().decode((run.media!.find((m) => m.kind === 'table')!.content as { data: Uint8Array }).data));
    expect(table).toEqual({ columns: ['image', 'label', 'prediction'], rows: [[{ image: sha256(png(41)) }, 'cat', 'dog']] });
    expect(run.warnings.filter((w) => w.includes('left out')).sort()).toEqual([
      expect.stringContaining('left out 1 "audio-file" media (runpages imports images, tables and histograms from wandb); key "clip"'),
      expect.stringContaining('left out 1 images whose file is not in the run folder\'s files/ (wandb may have deleted it after uploading); key "gone"'),
      expect.stringContaining('left out 1 images whose path is not a plain path under files/; key "escape"'),
    ]);
    expect(run.series.has('samples')).toBe(false);
    const cwd = tempDir();
    const warnings: string[] = [];
    const prepared = await prepareImportedRun(run, { cwd, stagingRoot: join(cwd, 'staging'), warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    const manifest = parseMediaManifest(prepared.files['media.json']!, 'media.json');
    expect(manifest.media.map((m) => [m.key, m.kind])).toEqual([
      ['grid', 'image'],
      ['grid', 'image'],
      ['preds', 'table'],
      ['preds/images', 'image'],
      ['samples', 'image'],
      ['val/hist', 'histogram'],
    ]);
  });
});
