/**
 * `runpages import mlflow` on a hand-made file store (test/fixtures/mlflow/mlruns, see its README):
 * the runs land on the origin's runs branch with MLflow's ids and values; deleted and malformed
 * folders are skipped with reasons; importing again changes nothing.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml } from '../src/run/yaml.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prepareImportedRun } from '../src/import/imported-run.ts';
import { scanMlflow } from '../src/import/mlflow.ts';
import { compileQuery, parseQuery, recordAccess } from '../src/query/index.ts';
import type { RunRecord } from '../src/run/schema.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { runPath } from './helpers/layout.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { writeMlruns } from './helpers/mlruns.ts';

/** The project's one YAML reader; `any` because the tests read fields of files they know. */
const parse = (text: string): any => parseYaml(text, 'test.yaml');

const STORE = fileURLToPath(new URL('./fixtures/mlflow/mlruns', import.meta.url));
const LEGACY = 'a1'.repeat(16);
const FINISHED = 'b2'.repeat(16);
const RUNNING = 'c3'.repeat(16);
const DELETED = 'd4'.repeat(16);
const NO_META = 'e5'.repeat(16);
const TRASHED = 'f6'.repeat(16);

let repo: TestRepo;
let first: CliResult;

/** A file of a run on the origin's runs branch. */
function onOrigin(path: string): string {
  return git(repo.origin, 'show', `runs:${path}`);
}

function runYaml(folder: string): Record<string, any> {
  return parse(onOrigin(`${folder}/run.yaml`)) as Record<string, any>;
}

beforeAll(async () => {
  repo = makeTestRepo();
  first = await runCli(['import', 'mlflow', STORE, '--json'], { cwd: repo.dir });
}, 120_000);

afterAll(() => repo?.cleanup());

describe('import mlflow', () => {
  test('imports the active runs and lists what it skipped, with reasons', () => {
    expect(first.code, first.stderr).toBe(0);
    const outcome = JSON.parse(first.stdout);
    expect(outcome.imported.map((run: { id: string }) => run.id).sort()).toEqual([LEGACY, FINISHED, RUNNING]);
    const skipped = Object.fromEntries(outcome.skipped.map((s: { source: string; reason: string }) => [s.source.split('/').at(-1), s.reason]));
    expect(skipped[DELETED]).toMatch(/run is deleted .*--include-deleted/);
    expect(skipped[NO_META]).toMatch(/has no meta\.yaml/);
    expect(skipped['2']).toMatch(/experiment "scratch" is deleted/);
    expect(Object.keys(skipped).sort()).toEqual(['2', DELETED, NO_META].sort());
    expect(outcome.queued).toEqual([]);
  });

  test('the branch holds the runs in runs/<project>/<yyyy-mm>/<bucket>/<id>', () => {
    const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
    expect(files).toContain(`${runPath('Default', '2020-09', LEGACY)}/run.yaml`);
    expect(files).toContain(`${runPath('Image-Classifier-v2', '2023-11', FINISHED)}/run.yaml`);
    expect(files).toContain(`${runPath('Image-Classifier-v2', '2023-11', RUNNING)}/series.json`);
    expect(files.some((file) => file.includes(DELETED) || file.includes(TRASHED) || file.includes(NO_META))).toBe(false);
  });

  test('a legacy 1.x run: name from tags/mlflow.runName, 2-field metric lines at step 0, / keys, git, tags, artifacts', () => {
    const run = runYaml(runPath('Default', '2020-09', LEGACY));
    expect(run).toMatchObject({
      id: LEGACY,
      name: 'legacy-run',
      project: 'Default',
      experiment: 'Default',
      status: 'finished',
      user: 'bob',
      created: '2020-09-13T12:26:40.000Z',
      ended: '2020-09-13T12:28:20.000Z',
      duration_s: 100,
      command: 'train.py',
      git: { commit: '0123456789abcdef0123456789abcdef01234567', remote: 'https://example.com/team/repo.git' },
      params: { lr: '0.01', 'optimizer/name': 'sgd', layers: '[64, 32]' },
      metrics: { loss: 1.25, accuracy: 0.75 },
      tags: ['baseline', 'team:vision'],
    });
    expect(run.series.loss).toMatchObject({ points: 2, stored: 2, min: 1.25, max: 1.5 });
    expect(onOrigin(`${runPath('Default', '2020-09', LEGACY)}/run.yaml`)).not.toContain('secret');
    const series = JSON.parse(onOrigin(`${runPath('Default', '2020-09', LEGACY)}/series.json`)).series;
    expect(series.loss).toEqual({ step: [0, 0], value: [1.5, 1.25], time: [1600000001, 1600000002] });
    expect(series.accuracy).toEqual({ step: [10], value: [0.75], time: [1600000003] });
    expect(run.artifacts.map((a: { path: string; size: number; type: string }) => [a.path, a.size, a.type])).toEqual([
      ['model.txt', 8, 'text/plain'],
      ['plots/curve.csv', 16, 'text/csv'],
    ]);
    const model = run.artifacts[0];
    const object = join(repo.dir, '.runpages/objects/sha256', model.sha256.slice(0, 2), model.sha256.slice(2));
    expect(readFileSync(object, 'utf8')).toBe('weights\n');
  });

  test('a 2.x run: string status, nan/inf kept, latest-value rule, note, parent, secrets redacted', () => {
    const folder = runPath('Image-Classifier-v2', '2023-11', FINISHED);
    const run = runYaml(folder);
    expect(run).toMatchObject({
      name: 'bright-fox-1',
      experiment: 'Image Classifier / v2',
      status: 'finished',
      user: 'alice',
      git: { commit: 'fedcba9876543210fedcba9876543210fedcba98', branch: 'main', remote: 'git@example.com:team/vision.git' },
      params: { batch_size: '128', 'model/depth': '50', api_token: '[redacted]' },
      tags: ['data/version:v3'],
      notes: '# Best so far\nUses **mixup**.\n',
      parents: [RUNNING],
    });
    // Latest value: largest step (val/acc logged step 1 after step 3), then timestamp (best), then value (tie).
    expect(run.metrics).toEqual({ 'train/loss': 0.25, 'val/acc': 0.8, best: Infinity, tie: 0.3 });
    expect(run.series['train/loss']).toMatchObject({ points: 4, stored: 3, min: 0.25, max: 0.9, last: 0.25 });
    expect(run.series.best).toMatchObject({ points: 2, stored: 0 });
    expect(run.mlflow).toMatchObject({ experiment_id: '1', tags: { 'data/version': 'v3' } });
    expect(onOrigin(`${folder}/run.yaml`)).not.toContain('abc123');
    const series = JSON.parse(onOrigin(`${folder}/series.json`)).series;
    // NaN is not JSON: it counts in points but is left out of series.json; points are ordered by step.
    expect(series['train/loss']).toEqual({ step: [0, 1, 3], value: [0.9, 0.5, 0.25], time: [1700000001, 1700000002, 1700000004] });
    expect(series['val/acc'].step).toEqual([1, 3]);
    expect(series.tie.value).toEqual([0.1, 0.3, 0.2]);
  });

  test('a RUNNING run without end time, its 1,500-point history downsampled with the full series in the store', () => {
    const folder = runPath('Image-Classifier-v2', '2023-11', RUNNING);
    const run = runYaml(folder);
    expect(run.status).toBe('running');
    expect(run.ended).toBeUndefined();
    expect(run.series.loss).toMatchObject({ points: 1500, min: 1 / 1500, max: 1, last: 1 / 1500 });
    expect(run.series.loss.stored).toBeLessThanOrEqual(1000);
    const stored = JSON.parse(onOrigin(`${folder}/series.json`)).series.loss;
    expect(stored.value.length).toBe(run.series.loss.stored);
    expect(stored.step[0]).toBe(0);
    expect(stored.step.at(-1)).toBe(1499);
    const hash: string = run.series.loss.sha256;
    const full = JSON.parse(readFileSync(join(repo.dir, '.runpages/objects/sha256', hash.slice(0, 2), hash.slice(2)), 'utf8'));
    expect(full.series.loss.value).toHaveLength(1500);
  });

  test('importing again changes nothing on the branch', async () => {
    const before = git(repo.origin, 'rev-parse', 'runs');
    const again = await runCli(['import', 'mlflow', STORE], { cwd: repo.dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Imported 3 runs to runs; skipped 3 (see the warnings above)');
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
    expect(git(repo.dir, 'rev-parse', 'runs')).toBe(before);
    // Staging folders are gone once the runs are prepared.
    expect(readdirSync(join(repo.dir, '.runpages/import'))).toEqual([]);
  });

  test('--dry-run --include-deleted --no-artifacts --project: reads everything, publishes nothing', async () => {
    const before = git(repo.origin, 'rev-parse', 'runs');
    const result = await runCli(['import', 'mlflow', STORE, '--dry-run', '--include-deleted', '--no-artifacts', '--project', 'legacy', '--json'], {
      cwd: repo.dir,
    });
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.dryRun).toBe(true);
    const byId = Object.fromEntries(outcome.imported.map((run: { id: string }) => [run.id, run]));
    // The active runs are on the branch already, in their experiments' projects: putting them in
    // `legacy` too would make second runs with their ids, so they are refused with the reason.
    expect(Object.keys(byId).sort()).toEqual([DELETED, TRASHED].sort());
    expect(byId[DELETED]).toMatchObject({ project: 'legacy', status: 'failed', artifacts: 0 });
    expect(byId[TRASHED]).toMatchObject({ project: 'legacy', status: 'killed', name: 'scratch-run' });
    const skipped = Object.fromEntries(outcome.skipped.map((s: { source: string; reason: string }) => [s.source.split('/').at(-1), s.reason]));
    expect(Object.keys(skipped).sort()).toEqual([LEGACY, FINISHED, RUNNING, NO_META].sort());
    expect(skipped[LEGACY]).toContain(
      `is already on runs at ${runPath('Default', '2020-09', LEGACY)}; importing it as ${runPath('legacy', '2020-09', LEGACY)} would make a second run`,
    );
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
  });

  test('errors a user can act on: a missing store, a bad --project', async () => {
    const missing = await runCli(['import', 'mlflow', join(repo.dir, 'nope')], { cwd: repo.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read the MLflow store .*nope/);
    expect(missing.stderr).toContain('hint');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const bad = await runCli(['import', 'mlflow', STORE, '--project', '../x'], { cwd: repo.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--project "../x" cannot be a project name');
  });

  test('--help describes the command with examples', async () => {
    const help = await runCli(['import', 'mlflow', '--help'], { cwd: repo.dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--include-deleted');
    expect(help.stdout).toContain('$ runpages import mlflow ./mlruns --dry-run');
  });
});

describe('values survive the import', () => {
  const LONG_HISTORY = JSON.stringify([
    { artifact_path: 'model', flavors: { python_function: { loader_module: 'mlflow.sklearn', env: 'conda.yaml' } } },
  ]).padEnd(1174, ' ');
  let work: string;
  let store: string;

  beforeAll(() => {
    work = tempDir('runpages-mlflow-values-');
    store = writeMlruns(join(work, 'mlruns'), [
      {
        run_id: 'v'.repeat(32),
        run_name: 'values',
        params: { one: '1.0', flag: 'True', eps: '1e-08', lr: '0.001', hex: '0x10', padded: ' 7 ', empty: '' },
        tags: { 'team:ml': 'x', 'a=b': 'c', plain: '', 'mlflow.log-model.history': LONG_HISTORY, 'mlflow.source.type': 'LOCAL', huge: 'h'.repeat(8001) },
        datasets: [
          { name: 'cifar10', digest: 'abc123', context: 'train' },
          { name: 'cifar10-test', digest: 'def456', context: 'eval' },
        ],
      },
    ]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function importedRecord(): Promise<{ record: RunRecord; warnings: string[] }> {
    const { tasks } = await scanMlflow(store, { artifacts: false });
    const run = await tasks[0]!.load();
    const prepared = await prepareImportedRun(run, { cwd: work, stagingRoot: join(work, 'staging') });
    return { record: prepared.record, warnings: run.warnings };
  }

  test('params keep their spelling: a string stays a string', async () => {
    const { record } = await importedRecord();
    expect(record.params).toEqual({ one: '1.0', flag: 'True', eps: '1e-08', lr: '0.001', hex: '0x10', padded: ' 7 ', empty: '' });
  });

  test('params still compare as numbers where both sides read as numbers, and as text otherwise', async () => {
    const { record } = await importedRecord();
    const matches = (text: string): boolean => compileQuery(parseQuery(text), recordAccess, { now: 0 })(record);
    expect(matches('params.lr < 0.01')).toBe(true);
    expect(matches('params.one = 1')).toBe(true);
    expect(matches("params.eps = '1e-08'")).toBe(true);
    expect(matches('params.eps < 1e-7')).toBe(true);
    expect(matches("params.flag = 'True'")).toBe(true);
    expect(matches('params.hex = 16')).toBe(false);
    expect(matches("params.hex = '0x10'")).toBe(true);
    expect(matches("params.lr != 'nope'")).toBe(true);
  });

  test('tags keep key and value apart, mlflow.* tags answer tags.<key>, long tags are kept or counted', async () => {
    const { record, warnings } = await importedRecord();
    const ids = (text: string): boolean => compileQuery(parseQuery(text), recordAccess, { now: 0 })(record);
    expect(ids("tags.`team:ml` = 'x'")).toBe(true);
    expect(ids("tags.team = 'ml:x'")).toBe(false);
    expect(ids("tags.`a=b` = 'c'")).toBe(true);
    expect(ids("tags.a = 'b:c'")).toBe(false);
    expect(ids('tags.plain')).toBe(true);
    expect(ids("tags.`mlflow.source.type` = 'LOCAL'")).toBe(true);
    expect(ids("tags.`mlflow.runName` = 'values'")).toBe(false); // the file store holds it in meta.yaml here, not as a tag
    expect((record as Record<string, any>).mlflow.tags['mlflow.log-model.history']).toBe(LONG_HISTORY);
    expect(ids("tags.`mlflow.log-model.history` LIKE '%python_function%'")).toBe(true);
    expect((record as Record<string, any>).mlflow.tags.huge).toBeUndefined();
    expect(warnings).toContainEqual(expect.stringMatching(/tag "huge" is 8001 characters, over MLflow's 8000; not imported/));
    expect(warnings.filter((warning) => warning.includes('mlflow.log-model.history'))).toEqual([]);
  });

  test('dataset inputs become the run data, so datasets.* conditions match', async () => {
    const { record } = await importedRecord();
    expect(record.data).toEqual([
      { name: 'cifar10', digest: 'abc123', source: '{"uri": "/data"}', source_type: 'local', context: 'train' },
      { name: 'cifar10-test', digest: 'def456', source: '{"uri": "/data"}', source_type: 'local', context: 'eval' },
    ]);
    const matches = (text: string): boolean => compileQuery(parseQuery(text), recordAccess, { now: 0 })(record);
    expect(matches("datasets.name = 'cifar10' and datasets.context = 'eval'")).toBe(true);
    expect(matches("datasets.digest IN ('def456')")).toBe(true);
    expect(matches("datasets.context = 'test'")).toBe(false);
    expect(matches('datasets.name IS NOT NULL')).toBe(true);
    const bare = { ...record, data: [] };
    expect(compileQuery(parseQuery('datasets.name IS NULL'), recordAccess, { now: 0 })(bare)).toBe(true);
    expect(compileQuery(parseQuery("datasets.name != 'x'"), recordAccess, { now: 0 })(bare)).toBe(false);
  });

  test('the summary counts what was not imported as it was', async () => {
    const result = await runCli(['import', 'mlflow', store, '--dry-run'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/tag "huge" is 8001 characters/);
    expect(result.stderr).toMatch(/Dry run: would import 1 run; 1 warning about values not imported as they were/);
  });

  test('two sources of one run id: the second is refused, naming both, and the dry run says so', async () => {
    const copies = writeMlruns(join(work, 'copies'), [
      { run_id: 'c'.repeat(32), experiment_id: '1', run_name: 'original' },
      { run_id: 'c'.repeat(32), experiment_id: '2', run_name: 'copy' },
    ]);
    const result = await runCli(['import', 'mlflow', copies, '--dry-run', '--json'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.imported.map((run: { name: string }) => run.name)).toEqual(['original']);
    expect(outcome.skipped).toEqual([
      {
        source: join(copies, '2', 'c'.repeat(32)),
        reason: expect.stringContaining(`run id ${'c'.repeat(32)} is also the id of ${join(copies, '1', 'c'.repeat(32))}`),
      },
    ]);
  });

  test('a run id already on the branch in another folder is refused, naming both, so no second run of it appears', async () => {
    const id = 'd'.repeat(32);
    const original = writeMlruns(join(work, 'original'), [{ run_id: id, experiment_id: '1', run_name: 'original' }]);
    const copy = writeMlruns(join(work, 'copy'), [{ run_id: id, experiment_id: '2', run_name: 'copy' }]);
    const first = await runCli(['import', 'mlflow', original], { cwd: repo.dir });
    expect(first.code, first.stderr).toBe(0);
    const before = git(repo.origin, 'rev-parse', 'runs');
    const second = await runCli(['import', 'mlflow', copy, '--json'], { cwd: repo.dir });
    expect(second.code, second.stderr).toBe(0);
    const outcome = JSON.parse(second.stdout);
    expect(outcome.imported).toEqual([]);
    expect(outcome.skipped).toEqual([
      {
        source: join(copy, '2', id),
        reason: expect.stringContaining(
          `run id ${id} is already on runs at ${runPath('exp-1', '1970-01', id)}; importing it as ${runPath('exp-2', '1970-01', id)} would make a second run`,
        ),
      },
    ]);
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
    // Importing the original again is a re-import, not a collision.
    const again = await runCli(['import', 'mlflow', original, '--json'], { cwd: repo.dir });
    expect(JSON.parse(again.stdout).skipped).toEqual([]);
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(before);
  });
});
