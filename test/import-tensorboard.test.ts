/**
 * `runpages import tensorboard` on real event files written by PyTorch Lightning's and Keras's own
 * writers (test/fixtures/tensorboard, see its README for provenance and the expected values), a
 * corrupted copy made here, and the site built from imported runs (TensorBoard and MLflow).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml } from '../src/run/yaml.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { crc32c, maskedCrc32c } from '../src/import/crc32c.ts';
import { decodeEvent } from '../src/import/event.ts';
import { publishImported } from '../src/import/batch.ts';
import { legacyTensorBoardRunId, scanTensorBoard, tensorBoardRunId } from '../src/import/tensorboard.ts';
import { loadConfig } from '../src/config.ts';
import { readTfRecords } from '../src/import/tfrecord.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { branchRunFolders, runPath } from './helpers/layout.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { eventFile } from './helpers/tfevents.ts';

/** The project's one YAML reader; `any` because the tests read fields of files they know. */
const parse = (text: string): any => parseYaml(text, 'test.yaml');

const FIXTURES = fileURLToPath(new URL('./fixtures/tensorboard', import.meta.url));
const MLFLOW = fileURLToPath(new URL('./fixtures/mlflow/mlruns', import.meta.url));
const PYTORCH_DIR = 'pytorch-DaniAlvarado19-Tarea3-IA';
const PYTORCH_FILE = 'events.out.tfevents.1729814299.PC_Dani.36468.7';
const KERAS = 'keras-TheCodeheadMT-TensorBoard-Tutorial';

interface Imported {
  id: string;
  name: string;
  project: string;
  series: number;
  points: number;
}

let repo: TestRepo;
let imported: CliResult;
let runs: Record<string, Imported>;

function folderOf(run: Imported, month: string): string {
  return runPath(run.project, month, run.id);
}

function readRun(run: Imported, month: string): { record: Record<string, any>; series: Record<string, { step: number[]; value: number[]; time: number[] }> } {
  const folder = folderOf(run, month);
  return {
    record: parse(git(repo.origin, 'show', `runs:${folder}/run.yaml`)) as Record<string, any>,
    series: JSON.parse(git(repo.origin, 'show', `runs:${folder}/series.json`)).series,
  };
}

beforeAll(async () => {
  repo = makeTestRepo();
  imported = await runCli(['import', 'tensorboard', FIXTURES, '--project', 'tb', '--json'], { cwd: repo.dir });
  runs = Object.fromEntries((JSON.parse(imported.stdout || '{"imported":[]}').imported as Imported[]).map((run) => [run.name, run]));
}, 120_000);

afterAll(() => repo?.cleanup());

describe('CRC-32C and TFRecord framing', () => {
  test('CRC-32C check value and TFRecord masking', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    const crc = crc32c(new Uint8Array([1, 2, 3]));
    expect(maskedCrc32c(new Uint8Array([1, 2, 3]))).toBe(((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });

  test('property: framed records read back as written; any flipped byte is reported, never thrown', () => {
    const frame = (records: Uint8Array[]): Buffer =>
      Buffer.concat(
        records.flatMap((data) => {
          const header = Buffer.alloc(12);
          header.writeBigUInt64LE(BigInt(data.length), 0);
          header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
          const footer = Buffer.alloc(4);
          footer.writeUInt32LE(maskedCrc32c(data), 0);
          return [header, Buffer.from(data), footer];
        }),
      );
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 8 }), fc.nat(), (records, at) => {
        const bytes = frame(records);
        const clean = readTfRecords(bytes);
        expect(clean.problems).toEqual([]);
        expect(clean.records.map((r) => Buffer.from(r.data))).toEqual(records.map((r) => Buffer.from(r)));
        bytes[at % bytes.length]! ^= 0x01;
        const damaged = readTfRecords(bytes);
        expect(damaged.problems.length).toBeGreaterThan(0);
        expect(damaged.records.length).toBeLessThan(records.length);
      }),
    );
  });

  test('every record of the real files passes both CRCs', () => {
    const { records, problems } = readTfRecords(readFileSync(join(FIXTURES, PYTORCH_DIR, PYTORCH_FILE)));
    expect(problems).toEqual([]);
    expect(records).toHaveLength(1705);
  });
});

describe('import tensorboard', () => {
  test('one run per folder of event files', () => {
    expect(imported.code, imported.stderr).toBe(0);
    expect(Object.keys(runs).sort()).toEqual([`${KERAS}/train`, `${KERAS}/validation`, PYTORCH_DIR]);
    expect(Object.values(runs).every((run) => run.project === 'tb' && /^tb-[0-9a-f]{24}$/.test(run.id))).toBe(true);
  });

  test('PyTorch Lightning (simple_value): tags, point counts, exact values, wall times', () => {
    const { record, series } = readRun(runs[PYTORCH_DIR]!, '2024-10');
    expect(Object.fromEntries(Object.entries(record.series as Record<string, { points: number }>).map(([tag, info]) => [tag, info.points]))).toEqual({
      'train/loss': 375,
      'train/psnr': 375,
      'train/latent_norm': 375,
      'val/loss': 50,
      'val/psnr': 50,
      'val/latent_norm': 50,
      epoch: 425,
      hp_metric: 1,
    });
    const loss = series['train/loss']!;
    expect(loss.step).toEqual(Array.from({ length: 375 }, (_, i) => 49 + 50 * i));
    expect(loss.value[0]).toBe(0.02516375109553337);
    expect(loss.value[1]).toBe(0.020173361524939537);
    expect(loss.value.at(-1)).toBe(0.0031038434244692326);
    expect(loss.time[0]).toBeCloseTo(1729814316.568, 3);
    expect(loss.time.at(-1)).toBeCloseTo(1729817364.606, 3);
    expect(series.epoch!.step.slice(-2)).toEqual([18749, 18749]);
    expect(series.epoch!.value.slice(-2)).toEqual([49, 49]);
    expect(record.metrics).toMatchObject({ 'train/loss': 0.0031038434244692326, 'val/psnr': 23.51545524597168, hp_metric: -1, epoch: 49 });
    expect(record.status).toBe('finished');
    expect(record.created).toBe('2024-10-24T23:58:19.910Z');
    expect(Date.parse(record.ended) / 1000).toBeCloseTo(1729817434.767, 2);
    expect(record.tags).toEqual(['tensorboard']);
    // Lightning's hyperparameters, from the hparams plugin's session start.
    expect(Object.keys(record.params)).toHaveLength(21);
    expect(record.params).toMatchObject({
      'config/model/learning_rate': 0.001,
      'config/dataset/name': 'FashionMNIST',
      'config/seed': 42,
      'config/dataset/normalize/mean': '[0.5]',
    });
  });

  test('Keras (scalar tensors in tensor_content): scalars only, histograms and model config skipped', () => {
    const validation = readRun(runs[`${KERAS}/validation`]!, '2023-07');
    expect(Object.keys(validation.series).sort()).toEqual([
      'epoch_accuracy',
      'epoch_loss',
      'evaluation_accuracy_vs_iterations',
      'evaluation_loss_vs_iterations',
    ]);
    const loss = validation.series.epoch_loss!;
    expect(loss.step).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(loss.value.slice(0, 3)).toEqual([0.42648032307624817, 0.3305879533290863, 0.2900371551513672].map((v) => Math.fround(v)));
    expect(loss.value.at(-1)).toBe(0.518250048160553);
    expect(loss.time[0]).toBeCloseTo(1690485360.015, 3);
    expect(loss.time.at(-1)).toBeCloseTo(1690485375.463, 3);
    const iterations = validation.series.evaluation_loss_vs_iterations!;
    expect(iterations.step).toEqual(Array.from({ length: 20 }, (_, i) => 30 * (i + 1)));
    expect(iterations.value).toEqual(loss.value);
    expect(validation.record.series.epoch_accuracy).toMatchObject({ points: 20, last: 0.8694999814033508 });

    const train = readRun(runs[`${KERAS}/train`]!, '2023-07');
    expect(Object.keys(train.record.series).sort()).toEqual(['epoch_accuracy', 'epoch_loss']);
    expect(train.record.params).toBeUndefined();
    expect(train.series.epoch_loss!.value[0]).toBe(0.5466302633285522);
    expect(train.series.epoch_loss!.value.at(-1)).toBe(0.019987531006336212);
    expect(train.series.epoch_accuracy!.value.at(-1)).toBe(0.9977333545684814);
  });

  test('importing again changes nothing', async () => {
    const before = git(repo.origin, 'rev-parse', 'runs');
    const again = await runCli(['import', 'tensorboard', FIXTURES, '--project', 'tb'], { cwd: repo.dir });
    expect(again.code, again.stderr).toBe(0);
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
  });

  test('a corrupted copy: the bad record is reported with file and offset, the rest imports', async () => {
    const logdir = tempDir('runpages-tb-');
    const original = readFileSync(join(FIXTURES, PYTORCH_DIR, PYTORCH_FILE));
    const bytes = Buffer.from(original);
    const { records } = readTfRecords(bytes);
    const victim = records[200]!;
    const lost = decodeEvent(victim.data).scalars.length;
    expect(lost).toBeGreaterThan(0);
    bytes[victim.offset + 12 + 3]! ^= 0xff; // a byte of the record's data, so its data CRC fails
    mkdirSync(join(logdir, 'corrupt'));
    const file = join(logdir, 'corrupt', 'events.out.tfevents.1.corrupt.0');
    writeFileSync(file, bytes);
    // A second file cut short, as a writer killed mid-record leaves it.
    mkdirSync(join(logdir, 'cut'));
    const cutFile = join(logdir, 'cut', 'events.out.tfevents.1.cut.0');
    writeFileSync(cutFile, original.subarray(0, records[300]!.offset + 20));
    cpSync(join(FIXTURES, KERAS, 'validation'), join(logdir, 'validation'), { recursive: true });

    const result = await runCli(['import', 'tensorboard', logdir, '--dry-run', '--json'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.warnings).toEqual([
      `${file} at byte ${victim.offset}: data CRC mismatch: record skipped`,
      `${cutFile} at byte ${records[300]!.offset}: truncated record (${records[300]!.data.length} data bytes announced, 8 present)`,
    ]);
    const byName = Object.fromEntries(outcome.imported.map((run: Imported) => [run.name, run]));
    expect(byName.corrupt.points).toBe(runs[PYTORCH_DIR]!.points - lost);
    expect(byName.cut.points).toBeGreaterThan(0);
    expect(byName.validation.points).toBe(80);
    expect(result.stderr).not.toContain('unexpected error');
    rmSync(logdir, { recursive: true, force: true });
  });

  test('a folder without event files is a clear error', async () => {
    const empty = tempDir('runpages-tb-empty-');
    const result = await runCli(['import', 'tensorboard', empty], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No TensorBoard event files');
    expect(result.stderr).toContain('hint');
    rmSync(empty, { recursive: true, force: true });
  });
});

describe('the site built from imported runs', () => {
  let build: CliResult;
  let mlflowImport: CliResult;
  beforeAll(async () => {
    mlflowImport = await runCli(['import', 'mlflow', MLFLOW], { cwd: repo.dir });
    build = await runCli(['build', '--from', 'runs', '--out', 'site'], { cwd: repo.dir, timeoutMs: 300_000 });
  }, 320_000);

  test('run pages with charts of every series, project run tables', () => {
    expect(mlflowImport.code, mlflowImport.stderr).toBe(0);
    expect(build.code, build.stderr).toBe(0);
    const site = join(repo.dir, 'site');
    const charts = (id: string): string[] => {
      const html = readFileSync(join(site, 'r', id, 'index.html'), 'utf8');
      // A series may be drawn twice (e.g. as the headline chart too): count distinct series.
      return [...new Set([...html.matchAll(/<svg[^>]*aria-label="([^"]*) by step"/g)].map((m) => m[1]!))].sort();
    };
    expect(charts(runs[PYTORCH_DIR]!.id)).toEqual([
      'epoch',
      'hp_metric',
      'train/latent_norm',
      'train/loss',
      'train/psnr',
      'val/latent_norm',
      'val/loss',
      'val/psnr',
    ]);
    expect(charts(runs[`${KERAS}/validation`]!.id)).toContain('epoch_loss');
    const mlflowRun = readFileSync(join(site, 'r', 'b2'.repeat(16), 'index.html'), 'utf8');
    expect(mlflowRun).toContain('bright-fox-1');
    expect(mlflowRun).toContain('<strong>mixup</strong>');
    expect(charts('b2'.repeat(16))).toEqual(expect.arrayContaining(['train/loss', 'val/acc']));
    expect(existsSync(join(site, 'p', 'tb', 'runs', 'index.html'))).toBe(true);
    expect(existsSync(join(site, 'p', 'Image-Classifier-v2', 'runs', 'index.html'))).toBe(true);
    expect(readFileSync(join(site, 'p', 'Default', 'runs', 'index.html'), 'utf8')).toContain('legacy-run');
  });
});

describe('runs whose event files share a name (tensorboardX: events.out.tfevents.<seconds>.<host>)', () => {
  const SHARED_NAME = 'events.out.tfevents.1700000000.lab-host';
  let course: TestRepo;
  let logdir: string;

  /** A logdir laid out like a course repo's: 34 runs started on one host in the same second. */
  function sharedNameLogdir(seed: number): string {
    const dir = tempDir('runpages-tb-course-');
    for (let i = 0; i < 34; i++) {
      const run = join(dir, `lr-${i % 6}`, `run-${String(i).padStart(2, '0')}`);
      mkdirSync(run, { recursive: true });
      const start = 1_700_000_000 + (seed * 34 + i) / 1000;
      const events = Array.from({ length: 5 }, (_, step) => ({ wallTime: start + step + 1, step, scalars: { loss: 1 / (step + 1 + i + seed) } }));
      writeFileSync(join(run, SHARED_NAME), eventFile(start, events));
    }
    return dir;
  }

  function branchRunIds(project: string): string[] {
    return branchRunFolders(course.origin)
      .filter((path) => path.startsWith(`runs/${project}/2023-11/`))
      .map((path) => path.split('/').at(-1)!);
  }

  beforeAll(() => {
    course = makeTestRepo();
    logdir = sharedNameLogdir(0);
  });
  afterAll(() => {
    course?.cleanup();
    rmSync(logdir, { recursive: true, force: true });
  });

  test('ids come from the folder and the content, not the file name', () => {
    const record = new Uint8Array([1, 2, 3]);
    const id = tensorBoardRunId('a/run-1', SHARED_NAME, record);
    expect(tensorBoardRunId('a/run-1', SHARED_NAME, new Uint8Array([1, 2, 3]))).toBe(id);
    expect(tensorBoardRunId('a/run-2', SHARED_NAME, record)).not.toBe(id);
    expect(tensorBoardRunId('a/run-1', SHARED_NAME, new Uint8Array([1, 2, 4]))).not.toBe(id);
    expect(id).toMatch(/^tb-[0-9a-f]{24}$/);
  });

  test('the dry run lists 34 distinct ids', async () => {
    const result = await runCli(['import', 'tensorboard', logdir, '--project', 'course', '--dry-run', '--json'], { cwd: course.dir });
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(new Set(outcome.imported.map((run: Imported) => run.id)).size).toBe(34);
    expect(outcome.skipped).toEqual([]);
  });

  test('imports 34 runs with nothing left queued; importing again changes nothing', async () => {
    const first = await runCli(['import', 'tensorboard', logdir, '--project', 'course', '--json'], { cwd: course.dir });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).imported).toHaveLength(34);
    expect(branchRunIds('course')).toHaveLength(34);
    expect(existsSync(join(course.dir, '.runpages', 'queue')) ? readdirSync(join(course.dir, '.runpages', 'queue')) : []).toEqual([]);
    const before = git(course.origin, 'rev-parse', 'runs');
    const again = await runCli(['import', 'tensorboard', logdir, '--project', 'course'], { cwd: course.dir });
    expect(again.code, again.stderr).toBe(0);
    expect(git(course.origin, 'rev-parse', 'runs')).toBe(before);
  });

  test('a run imported under the old file-name id keeps that id: upgrading does not import it twice', async () => {
    const upgraded = makeTestRepo();
    try {
      // What an older runpages left on the branch: run-00 (of the 34 that shared its id) under the file-name hash.
      const { tasks } = await scanTensorBoard(logdir, { project: 'course' });
      const first = tasks.find((task) => task.source.endsWith('run-00'))!;
      const legacy = legacyTensorBoardRunId(SHARED_NAME);
      const old = {
        source: first.source,
        load: async () => {
          const run = await first.load();
          delete run.formerIds;
          run.record.id = legacy;
          run.record.imported = { from: 'tensorboard', files: [SHARED_NAME] };
          return run;
        },
      };
      await publishImported([old], { cwd: upgraded.dir, config: loadConfig(upgraded.dir) });
      const result = await runCli(['import', 'tensorboard', logdir, '--project', 'course', '--json'], { cwd: upgraded.dir });
      expect(result.code, result.stderr).toBe(0);
      const imported = JSON.parse(result.stdout).imported as Imported[];
      expect(imported.find((run) => run.name === 'lr-0/run-00')!.id).toBe(legacy);
      expect(imported.filter((run) => run.id === legacy)).toHaveLength(1);
      const ids = branchRunFolders(upgraded.origin).filter((path) => path.startsWith('runs/course/2023-11/'));
      expect(ids).toHaveLength(34);
      expect(ids).toContain(runPath('course', '2023-11', legacy));
    } finally {
      upgraded.cleanup();
    }
  });

  test('a second logdir of the same layout adds its runs instead of replacing the first ones', async () => {
    const other = sharedNameLogdir(1);
    const result = await runCli(['import', 'tensorboard', other, '--project', 'course', '--json'], { cwd: course.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(branchRunIds('course')).toHaveLength(68);
    rmSync(other, { recursive: true, force: true });
  });
});
