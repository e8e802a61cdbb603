/**
 * `runpages import wandb` on run folders written by the real wandb client, offline, in two versions
 * (test/fixtures/wandb, see its README): what runpages reads matches, point for point, what wandb's
 * own reader reported for the same files (expected.json); a crashed run imports up to its last
 * whole record as crashed; importing again changes nothing; a cut or corrupted log never throws.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { crc32 } from '../src/import/crc32.ts';
import { parsePythonJson, readWandbRun, scanWandb } from '../src/import/wandb.ts';
import { readWandbLog } from '../src/import/wandb-log.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { writeWandbLog } from './helpers/wandb-log.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/wandb', import.meta.url));
const VERSIONS = readdirSync(FIXTURES)
  .filter((name) => name.startsWith('wandb-'))
  .sort();

type Point = [number, number | 'NaN'];
interface ExpectedRun {
  folder: string;
  logged: { id: string; config: Record<string, unknown>; history: Record<string, Point[]>; summary_override?: Record<string, number> };
  wandb_reader: {
    records: Record<string, number>;
    history: Record<string, Point[]>;
    summary: Record<string, unknown>;
    config: Record<string, unknown>;
    exit_code: number | null;
    runtime?: number;
    stopped?: string;
    run?: {
      run_id: string;
      project: string;
      display_name: string;
      notes: string;
      tags: string[];
      group: string;
      job_type: string;
      start_time: string;
      git: { remote: string; commit: string };
    };
  };
}

function expected(version: string): { wandb_version: string; runs: ExpectedRun[] } {
  // The logged values are Python's json.dumps, bare NaN included.
  return parsePythonJson(readFileSync(join(FIXTURES, version, 'expected.json'), 'utf8')) as { wandb_version: string; runs: ExpectedRun[] };
}

/** wandb's reader names nested keys with `.`; runpages flattens nested dicts with `/`. */
const ourKey = (key: string): string => key.replaceAll('.', '/');
const asNumber = (value: number | 'NaN'): number => (value === 'NaN' ? Number.NaN : value);

describe.each(VERSIONS)('%s run folders, read as wandb itself reads them', (version) => {
  const { runs } = expected(version);
  test('both fixtures are there: a finished run and a crashed one', () => {
    expect(runs.map((run) => run.logged.id.replace(/\d+$/, ''))).toEqual(['done', 'crash']);
  });

  test.each(runs.map((run) => [run.logged.id, run] as const))('%s: every history point, config, summary and run field', async (_id, run) => {
    const reader = run.wandb_reader;
    const imported = await readWandbRun([join(FIXTURES, version, run.folder)]);
    // Series: the same keys and, per key, the same (step, value) pairs in order, NaN included.
    expect([...imported.series.keys()].sort()).toEqual(Object.keys(reader.history).map(ourKey).sort());
    for (const [key, points] of Object.entries(reader.history)) {
      const series = imported.series.get(ourKey(key))!;
      expect(series.step, key).toEqual(points.map(([step]) => step));
      expect(series.value, key).toEqual(points.map(([, value]) => asNumber(value)));
      expect(
        series.time.every((time) => time > 1.7e9),
        key,
      ).toBe(true);
    }
    // What wandb read is what the script logged (all of it, or a prefix of it for the crashed run).
    for (const [key, points] of Object.entries(run.logged.history)) {
      const ours = imported.series.get(ourKey(key))!;
      expect(ours.value, key).toEqual(points.slice(0, ours.value.length).map(([, value]) => asNumber(value)));
      if (reader.exit_code !== null) expect(ours.value.length, key).toBe(points.length);
    }
    expect(imported.record.params).toEqual(reader.config);
    expect(imported.record.params).toEqual(run.logged.config);
    const numericSummary = Object.fromEntries(
      Object.entries(reader.summary)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => [ourKey(k), v]),
    );
    expect(imported.summary).toEqual(numericSummary);
    const info = reader.run!;
    expect(imported.record).toMatchObject({
      id: `wandb-${info.run_id}`,
      name: info.display_name,
      project: info.project,
      status: reader.exit_code === null ? 'crashed' : reader.exit_code === 0 ? 'finished' : 'failed',
      created: new Date(info.start_time).toISOString(),
      // wandb keeps `user:@` of a remote with credentials; runpages drops the user too.
      git: { commit: info.git.commit, ...(info.git.remote ? { remote: info.git.remote.replace('user:@', '') } : {}) },
      wandb: { run_id: info.run_id, project: info.project },
    });
    expect(imported.record.exit_code).toBe(reader.exit_code ?? undefined);
    expect(imported.record.tags).toEqual([...info.tags, ...(info.job_type ? [`job_type:${info.job_type}`] : [])]);
    expect(imported.record.notes).toBe(info.notes || undefined);
    expect(imported.record.experiment).toBe(info.group || undefined);
    expect(imported.record.env).toMatchObject({ os: expect.stringMatching(/Linux/), runtimes: { python: expect.stringMatching(/^3\./) } });
    expect(imported.record.command).toMatch(/make-wandb-runs\.py/);
    // A torn tail is a warning that names the file and byte, never an error.
    if (reader.exit_code === null) expect(imported.warnings.join('\n')).toMatch(/no exit record .*imported as crashed/);
    if (reader.stopped) expect(imported.warnings.join('\n')).toMatch(/run-crash\d+\.wandb at byte \d+: the file ends inside a record/);
  });

  test('every record wandb counted is a whole record for runpages too', () => {
    for (const run of runs) {
      const bytes = readFileSync(join(FIXTURES, version, run.folder, `run-${run.logged.id}.wandb`));
      const total = Object.values(run.wandb_reader.records).reduce((sum, count) => sum + count, 0);
      expect(readWandbLog(bytes).records.length, run.logged.id).toBe(total);
    }
  });
});

describe('folders beyond the fixtures', () => {
  const fixture = (version: string, id: string): string => {
    const root = join(FIXTURES, version, 'wandb');
    return join(root, readdirSync(root).find((name) => name.endsWith(`-${id}`))!);
  };

  test('the folders of one run id (a resumed run) are one run, read in time order', async () => {
    const dir = join(tempDir('runpages-wandb-'), 'wandb');
    // Session 1 crashed after 267 steps; session 2 (here: another file of the same id) finished it.
    mkdirSync(join(dir, 'offline-run-20260101_000000-crash030'), { recursive: true });
    cpSync(join(fixture('wandb-0.30.0', 'crash030'), 'run-crash030.wandb'), join(dir, 'offline-run-20260101_000000-crash030/run-crash030.wandb'));
    mkdirSync(join(dir, 'run-20260102_000000-crash030'));
    cpSync(join(fixture('wandb-0.30.0', 'done030'), 'run-done030.wandb'), join(dir, 'run-20260102_000000-crash030/run-crash030.wandb'));
    mkdirSync(join(dir, 'run-20260103_000000-empty1'));
    const { tasks, skipped } = await scanWandb(dir);
    expect(tasks).toHaveLength(1);
    expect(skipped.map((s) => s.reason)).toEqual(['has no run-empty1.wandb (the transaction log every wandb run writes)']);
    const run = await tasks[0]!.load();
    expect(run.record.status).toBe('finished');
    expect(run.series.get('loss')!.value).toHaveLength(267 + 20);
    expect(run.series.get('loss')!.step.slice(265, 269)).toEqual([265, 266, 0, 1]);
  });

  test('a log with nothing but its header: params, summary and environment from the side files', async () => {
    const folder = join(tempDir('runpages-wandb-'), 'wandb', 'run-20260101_000000-abc123');
    mkdirSync(join(folder, 'files'), { recursive: true });
    writeFileSync(join(folder, 'run-abc123.wandb'), Buffer.from([0x3a, 0x57, 0x26, 0x42, 0xe1, 0xbe, 0x00]));
    writeFileSync(
      join(folder, 'files/config.yaml'),
      'wandb_version: 1\n_wandb:\n  desc: null\n  value: {cli_version: 0.16.6}\nlr:\n  desc: learning rate\n  value: 0.1\nlayers:\n  value: [64, 32]\n',
    );
    writeFileSync(join(folder, 'files/wandb-summary.json'), '{"acc": 0.9, "loss": NaN, "_runtime": 3, "img": {"_type": "image-file"}, "val": {"f1": 0.5}}');
    writeFileSync(
      join(folder, 'files/wandb-metadata.json'),
      JSON.stringify({
        os: 'Linux-6',
        python: '3.10.1',
        host: 'gpu-7',
        username: 'ada',
        startedAt: '2026-01-01T00:00:00.5',
        program: 'train.py',
        args: ['--api-key', 'sk-123456789'],
        cpu_count: 8,
        gpu: 'A100',
        gpu_count: 2,
      }),
    );
    const run = await readWandbRun([folder]);
    expect(run.record.params).toEqual({ lr: 0.1, layers: [64, 32] });
    expect(run.summary).toEqual({ acc: 0.9, loss: Number.NaN, 'val/f1': 0.5 });
    expect(run.record).toMatchObject({
      id: 'wandb-abc123',
      name: 'abc123',
      status: 'crashed',
      host: 'gpu-7',
      user: 'ada',
      created: '2026-01-01T00:00:00.500Z',
      env: { os: 'Linux-6', cpus: 8, gpu: ['A100', 'A100'], runtimes: { python: '3.10.1' } },
    });
    expect(run.record.command).toContain('train.py');
    expect(run.record.command).not.toContain('sk-123456789');
  });
});

describe('the .wandb framing under damage', () => {
  const crashed = join(
    FIXTURES,
    'wandb-0.30.0/wandb',
    readdirSync(join(FIXTURES, 'wandb-0.30.0/wandb')).find((name) => name.endsWith('crash030'))!,
    'run-crash030.wandb',
  );
  const bytes = new Uint8Array(readFileSync(crashed));
  const whole = readWandbLog(bytes).records;

  test('a file cut anywhere reads a prefix of the whole records and never throws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length }), (cut) => {
        const { records } = readWandbLog(bytes.subarray(0, cut));
        expect(records.length).toBeLessThanOrEqual(whole.length);
        for (const [i, record] of records.entries()) expect(Buffer.from(record.data).equals(Buffer.from(whole[i]!.data))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('a flipped byte costs at most the rest of its 32 KiB block, reported with its offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 7, max: 32 * 1024 - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const damaged = bytes.slice();
        damaged[at] = damaged[at]! ^ flip;
        const { records, problems } = readWandbLog(damaged);
        expect(problems.length).toBeGreaterThan(0);
        // Records starting in the later blocks are all still there.
        const later = whole.filter((record) => record.offset >= 32 * 1024);
        const laterRead = records.filter((record) => record.offset >= 32 * 1024);
        expect(laterRead.length).toBeGreaterThanOrEqual(later.length - 1);
      }),
      { numRuns: 100 },
    );
  });

  test('records of any size, split across blocks as wandb writes them, read back exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 70_000 }), { maxLength: 6 }), (payloads) => {
        const { records, problems } = readWandbLog(writeWandbLog(payloads));
        expect(problems).toEqual([]);
        expect(records.map((record) => Buffer.from(record.data).toString('hex'))).toEqual(payloads.map((payload) => Buffer.from(payload).toString('hex')));
      }),
      { numRuns: 50 },
    );
  });

  test('not a .wandb file: one problem, no records', () => {
    expect(readWandbLog(new TextEncoder().encode('hello, world'))).toEqual({
      records: [],
      problems: [{ offset: 0, message: 'not a .wandb file (no ":W&B" header)' }],
    });
  });
});

describe('helpers', () => {
  test("CRC-32 is zlib's, chained like zlib.crc32(data, crc)", () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
        expect(crc32(a)).toBe(zlibCrc32(a));
        expect(crc32(b, crc32(a))).toBe(zlibCrc32(Buffer.concat([a, b])));
      }),
    );
  });

  test('Python JSON: bare NaN and Infinity are numbers, the same words inside strings stay text', () => {
    expect(parsePythonJson('{"a": NaN, "b": -Infinity, "c": [Infinity, 1], "d": "NaN Infinity \\" NaN"}')).toEqual({
      a: Number.NaN,
      b: -Infinity,
      c: [Infinity, 1],
      d: 'NaN Infinity " NaN',
    });
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(parsePythonJson(JSON.stringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('import wandb (CLI)', () => {
  let repo: TestRepo;
  let first: CliResult;
  beforeAll(async () => {
    repo = makeTestRepo();
    first = await runCli(['import', 'wandb', FIXTURES, '--json'], { cwd: repo.dir, env: { RUNPAGES_NOW: '2026-12-01T00:00:00Z' } });
  }, 120_000);
  afterAll(() => repo?.cleanup());

  test('publishes the four runs to the runs branch, crashed ones as crashed with warnings', () => {
    expect(first.code, first.stderr).toBe(0);
    const outcome = JSON.parse(first.stdout);
    const status = Object.fromEntries(outcome.imported.map((run: { id: string; status: string }) => [run.id, run.status]));
    expect(status).toEqual({ 'wandb-done016': 'finished', 'wandb-crash016': 'crashed', 'wandb-done030': 'finished', 'wandb-crash030': 'crashed' });
    expect(outcome.skipped).toEqual([]);
    expect(outcome.warnings.filter((w: string) => w.includes('imported as crashed'))).toHaveLength(2);
    const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
    const yaml = files.find((file) => file.endsWith('wandb-done030/run.yaml'))!;
    const run = parse(git(repo.origin, 'show', `runs:${yaml}`));
    expect(run).toMatchObject({
      project: 'vision',
      experiment: 'sweep-a',
      status: 'finished',
      exit_code: 0,
      params: { lr: 0.001, optimizer: { name: 'adamw', betas: [0.9, 0.999] }, epochs: 20 },
      metrics: { loss: 0.1, acc: 0.95, best_acc: 0.93, 'val/loss': 0.125 },
      tags: ['baseline', 'resnet', 'job_type:train'],
    });
    expect(run.series.acc).toMatchObject({ points: 20 });
    const series = JSON.parse(git(repo.origin, 'show', `runs:${yaml.replace('run.yaml', 'series.json')}`)).series;
    expect(series.loss.step).toEqual([...Array(20).keys()]);
    // A crashed 0.16 run has no summary record: its metrics are each series' last value.
    const crashed = parse(git(repo.origin, 'show', `runs:${files.find((file) => file.endsWith('wandb-crash016/run.yaml'))!}`));
    expect(crashed.metrics.loss).toBe(crashed.series.loss.last);
    expect(crashed.series.loss.points).toBe(expected('wandb-0.16.6').runs[1]!.wandb_reader.history.loss!.length);
  });

  test('importing again changes nothing on the branch', async () => {
    const before = git(repo.origin, 'rev-parse', 'runs');
    const again = await runCli(['import', 'wandb', FIXTURES], { cwd: repo.dir, env: { RUNPAGES_NOW: '2026-12-02T00:00:00Z' } });
    expect(again.code, again.stderr).toBe(0);
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
  });

  test('errors a user can act on, and --help with examples', async () => {
    const missing = await runCli(['import', 'wandb', join(repo.dir, 'nope')], { cwd: repo.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read the wandb folder .*nope/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const empty = await runCli(['import', 'wandb', join(FIXTURES, '..', 'mlflow')], { cwd: repo.dir });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('No wandb run folders');
    const help = await runCli(['import', 'wandb', '--help'], { cwd: repo.dir });
    expect(help.stdout).toContain('$ runpages import wandb ./wandb --dry-run');
    expect(help.stdout).toContain('--json');
  });
});
