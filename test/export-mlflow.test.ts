/**
 * `runpages export mlflow`: the MLflow importer's fixture store (test/fixtures/mlflow/mlruns) is
 * imported, exported and imported again into another repository, and the runs come back the same
 * (ids, names, status, times, params, tags, notes, git, parents, metrics, every stored point, the
 * full 1,500-point series from the object store). Untrusted keys never leave the export folder.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keyPath, mlflowStoreFiles } from '../src/export/mlflow.ts';
import { writeStoreFiles } from '../src/export/write.ts';
import { RunRecordSchema } from '../src/run/schema.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';

const STORE = fileURLToPath(new URL('./fixtures/mlflow/mlruns', import.meta.url));
const WANDB = fileURLToPath(new URL('./fixtures/wandb', import.meta.url));
const FINISHED = 'b2'.repeat(16);
const RUNNING = 'c3'.repeat(16);
const NOW = { RUNPAGES_NOW: '2026-12-01T00:00:00Z' };

let first: TestRepo;
let second: TestRepo;
let out: string;
let exported: CliResult;

/** Every run of a repository's origin runs branch: run.yaml and series.json by id. */
function branchRuns(repo: TestRepo): Map<string, { record: Record<string, any>; series: Record<string, any> }> {
  const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs')
    .split('\n')
    .filter((file) => file.endsWith('/run.yaml'));
  return new Map(
    files.map((file) => {
      const record = parse(git(repo.origin, 'show', `runs:${file}`));
      const seriesFile = file.replace('run.yaml', 'series.json');
      const series = Object.keys(record.series ?? {}).length ? JSON.parse(git(repo.origin, 'show', `runs:${seriesFile}`)).series : {};
      return [record.id, { record, series }];
    }),
  );
}

function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else found.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
    }
  };
  walk(root);
  return found.sort();
}

beforeAll(async () => {
  first = makeTestRepo();
  second = makeTestRepo();
  const imported = await runCli(['import', 'mlflow', STORE], { cwd: first.dir, env: NOW });
  expect(imported.code, imported.stderr).toBe(0);
  out = join(tempDir('runpages-export-'), 'mlruns');
  exported = await runCli(['export', 'mlflow', out, '--json'], { cwd: first.dir, env: NOW });
  const again = await runCli(['import', 'mlflow', out], { cwd: second.dir, env: NOW });
  expect(again.code, again.stderr).toBe(0);
}, 180_000);

afterAll(() => {
  first?.cleanup();
  second?.cleanup();
});

describe('export mlflow', () => {
  test('writes an MLflow file store: experiment and run meta.yaml, params, metrics, tags', () => {
    expect(exported.code, exported.stderr).toBe(0);
    const outcome = JSON.parse(exported.stdout);
    expect(outcome.runs.map((run: { id: string }) => run.id).sort()).toEqual(['a1'.repeat(16), FINISHED, RUNNING]);
    expect(outcome.experiments).toEqual({ 0: 'Default', 1: 'Image Classifier / v2' });
    expect(outcome.warnings).toEqual([]);
    const files = filesUnder(out);
    expect(files).toContain('1/meta.yaml');
    expect(files).toContain(`1/${FINISHED}/meta.yaml`);
    expect(files).toContain(`1/${FINISHED}/metrics/train/loss`);
    expect(files).toContain(`1/${FINISHED}/params/model/depth`);
    expect(files).toContain(`1/${FINISHED}/tags/mlflow.note.content`);
    const meta = parse(readFileSync(join(out, '1', FINISHED, 'meta.yaml'), 'utf8'));
    expect(meta).toMatchObject({
      run_id: FINISHED,
      experiment_id: '1',
      status: 3,
      start_time: 1700000000000,
      end_time: 1700000100000,
      user_id: 'alice',
      run_name: 'bright-fox-1',
    });
    expect(parse(readFileSync(join(out, '1', RUNNING, 'meta.yaml'), 'utf8'))).toMatchObject({ status: 1, end_time: null });
    // "timestamp_ms value step"; the NaN point of train/loss is not kept by runpages (counted only).
    expect(readFileSync(join(out, '1', FINISHED, 'metrics/train/loss'), 'utf8')).toBe('1700000001000 0.9 0\n1700000002000 0.5 1\n1700000004000 0.25 3\n');
    expect(readFileSync(join(out, '1', FINISHED, 'tags/data/version'), 'utf8')).toBe('v3');
    // The running run's 1,500 points come in full from the object store, not the branch's 1,000.
    expect(
      readFileSync(join(out, '1', RUNNING, 'metrics/loss'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1500);
  });

  test('MLflow -> runpages -> MLflow -> runpages: the same runs', () => {
    const before = branchRuns(first);
    const after = branchRuns(second);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [id, { record, series }] of before) {
      const back = after.get(id)!;
      for (const field of [
        'name',
        'project',
        'experiment',
        'status',
        'user',
        'created',
        'ended',
        'duration_s',
        'command',
        'git',
        'params',
        'metrics',
        'tags',
        'notes',
        'parents',
      ]) {
        expect(back.record[field], `${id} ${field}`).toEqual(record[field]);
      }
      // Every MLflow tag comes back as it was. The export also writes the tags MLflow's own client
      // writes for every run (mlflow.runName, mlflow.user, ...) from the run's fields, so a run whose
      // store lacked them gains them, with the values of those fields.
      const { tags: backTags, ...backMlflow } = back.record.mlflow as { tags: Record<string, string> };
      const { tags: firstTags, ...firstMlflow } = record.mlflow as { tags: Record<string, string> };
      expect(backMlflow, `${id} mlflow`).toEqual(firstMlflow);
      expect(backTags, `${id} mlflow.tags`).toMatchObject(firstTags);
      const derived: Record<string, unknown> = { 'mlflow.runName': record.name, 'mlflow.user': record.user };
      for (const [key, value] of Object.entries(backTags)) if (!(key in firstTags)) expect(value, `${id} added ${key}`).toBe(derived[key]);
      expect(back.series, `${id} series.json`).toEqual(series);
      for (const [name, info] of Object.entries(record.series as Record<string, { points: number; stored: number; sha256?: string }>)) {
        // Points runpages counted but could not store (NaN, ±Infinity) are the only ones that go.
        const finite = info.sha256 ? info.points : (series[name]?.value.length ?? 0);
        expect(back.record.series[name].points, `${id} ${name} points`).toBe(Math.max(finite, info.points === 0 ? 0 : 1));
      }
    }
  });

  test('runs from elsewhere (wandb): project kept as a tag, nested params flattened with "."', async () => {
    const repo = makeTestRepo();
    try {
      expect((await runCli(['import', 'wandb', WANDB], { cwd: repo.dir, env: NOW })).code).toBe(0);
      const target = join(tempDir('runpages-export-'), 'mlruns');
      const result = await runCli(['export', 'mlflow', target, "status = 'finished'", '--json'], { cwd: repo.dir, env: NOW });
      expect(result.code, result.stderr).toBe(0);
      const outcome = JSON.parse(result.stdout);
      expect(outcome.runs.map((run: { id: string }) => run.id).sort()).toEqual(['wandb-done016', 'wandb-done030']);
      const experiment = Object.entries(outcome.experiments as Record<string, string>).find(([, name]) => name === 'sweep-a')![0];
      const run = join(target, experiment, 'wandb-done030');
      expect(readFileSync(join(run, 'params/optimizer.betas'), 'utf8')).toBe('[0.9, 0.999]');
      expect(readFileSync(join(run, 'params/augment'), 'utf8')).toBe('True');
      expect(readFileSync(join(run, 'tags/runpages.project'), 'utf8')).toBe('vision');
      expect(readFileSync(join(run, 'tags/job_type'), 'utf8')).toBe('train');
      expect(readFileSync(join(run, 'metrics/val/loss'), 'utf8').split('\n')[0]).toMatch(/^\d{13} 2.5 0$/);
      expect(readFileSync(join(run, 'metrics/acc'), 'utf8').trim().split('\n')).toHaveLength(19); // the NaN point is not kept
    } finally {
      repo.cleanup();
    }
  });

  test('a downsampled series whose store cannot be read: the branch points, and a warning that says so', async () => {
    const target = join(tempDir('runpages-export-'), 'mlruns');
    const empty = tempDir('runpages-empty-store-');
    const result = await runCli(['export', 'mlflow', target, '--store', empty, `id = '${RUNNING}'`, '--json'], { cwd: first.dir, env: NOW });
    expect(result.code, result.stderr).toBe(0);
    const { warnings } = JSON.parse(result.stdout);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`run ${RUNNING}: series "loss" exported with the branch's \\d+ of 1500 points`));
    expect(
      readFileSync(join(target, '1', RUNNING, 'metrics/loss'), 'utf8')
        .trim()
        .split('\n').length,
    ).toBeLessThanOrEqual(1000);
  });

  test('never writes into a folder that is not empty; errors say what to do', async () => {
    const target = tempDir('runpages-export-');
    writeFileSync(join(target, 'keep.txt'), 'mine');
    const result = await runCli(['export', 'mlflow', target], { cwd: first.dir, env: NOW });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty .*keep\.txt/);
    expect(result.stderr).toContain('hint');
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('mine');
    const none = await runCli(['export', 'mlflow', join(target, 'x'), "name = 'nope'"], { cwd: first.dir, env: NOW });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No runs match (of 3)');
    const help = await runCli(['export', 'mlflow', '--help'], { cwd: first.dir });
    expect(help.stdout).toContain('$ runpages export mlflow ./mlruns');
    expect(help.stdout).toContain('--json');
  });
});

describe('untrusted keys', () => {
  const run = (params: Record<string, unknown>, tags: string[], metrics: Record<string, number> = {}) => ({
    record: RunRecordSchema.parse({
      schema: 'runpages/run@1',
      id: 'r1',
      name: 'r',
      project: 'p',
      status: 'finished',
      created: '2026-01-01T00:00:00Z',
      params,
      tags,
      metrics,
    }),
    series: {},
  });

  test('.., .git, empty and backslash components are left out with a warning', () => {
    const { files, warnings } = mlflowStoreFiles(
      [run({ '../evil': 1, '.git/config': 2, 'a//b': 3, 'ok/fine': 4, 'x\\y': 5 }, ['..:x', 'good:1'], { '/abs': 1 })],
      'file:///m',
    );
    const paths = files.map((file) => file.path.join('/'));
    expect(paths).toContain('1/r1/params/ok/fine');
    expect(paths).toContain('1/r1/tags/good');
    expect(paths.some((path) => path.includes('..') || path.toLowerCase().includes('.git/') || path.includes('\\') || path.includes('//'))).toBe(false);
    expect(warnings.join('\n')).toContain('params key "../evil" cannot be a file path');
    expect(warnings.join('\n')).toContain('metrics key "/abs" cannot be a file path');
    expect(warnings).toHaveLength(6); // four params, one tag, one metric
  });

  test('fractional steps are rounded (MLflow reads steps with int()), with a warning', () => {
    const { files, warnings } = mlflowStoreFiles([{ ...run({}, []), series: { loss: { step: [0, 0.5, 2], value: [3, 2, 1], time: [1, 2, 3] } } }], 'file:///m');
    expect(files.find((file) => file.path.join('/') === '1/r1/metrics/loss')!.content).toBe('1000 3 0\n2000 2 1\n3000 1 2\n');
    expect(warnings).toEqual(['run r1: metric "loss" has 1 fractional steps; MLflow steps are whole numbers, so they are rounded']);
  });

  test('whatever the keys, every file lands inside the export folder and none overwrites another', async () => {
    const root = join(tempDir('runpages-export-'), 'store');
    const key = fc.oneof(fc.string(), fc.constantFrom('..', '.', '.git', '.GIT', 'a/..', '../../x', '/etc/passwd', 'a', 'a/b', 'C:\\x'));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, fc.oneof(fc.integer(), fc.string())), fc.array(key.map((k) => `${k}:v`)), async (params, tags) => {
        const { files } = mlflowStoreFiles([run(params, tags)], 'file:///m');
        for (const file of files) {
          const full = resolve(root, ...file.path);
          expect(full.startsWith(root + sep)).toBe(true);
          expect(file.path.every((part) => keyPath(part) !== undefined)).toBe(true);
        }
        const dir = join(root, String(Math.random()).slice(2));
        mkdirSync(dir, { recursive: true });
        await writeStoreFiles(dir, files); // exclusive creates: a collision would throw
      }),
      { numRuns: 60 },
    );
  });
});
