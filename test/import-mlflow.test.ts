/**
 * `runpages import mlflow` on a hand-made file store (test/fixtures/mlflow/mlruns, see its README):
 * the runs land on the origin's runs branch with MLflow's ids and values; deleted and malformed
 * folders are skipped with reasons; importing again changes nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml } from '../src/run/yaml.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, type CliResult } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';

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

  test('the branch holds the runs in runs/<project>/<yyyy-mm>/<id>', () => {
    const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
    expect(files).toContain(`runs/Default/2020-09/${LEGACY}/run.yaml`);
    expect(files).toContain(`runs/Image-Classifier-v2/2023-11/${FINISHED}/run.yaml`);
    expect(files).toContain(`runs/Image-Classifier-v2/2023-11/${RUNNING}/series.json`);
    expect(files.some((file) => file.includes(DELETED) || file.includes(TRASHED) || file.includes(NO_META))).toBe(false);
  });

  test('a legacy 1.x run: name from tags/mlflow.runName, 2-field metric lines at step 0, / keys, git, tags, artifacts', () => {
    const run = runYaml(`runs/Default/2020-09/${LEGACY}`);
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
      params: { lr: 0.01, 'optimizer/name': 'sgd', layers: '[64, 32]' },
      metrics: { loss: 1.25, accuracy: 0.75 },
      tags: ['baseline', 'team:vision'],
    });
    expect(run.series.loss).toMatchObject({ points: 2, stored: 2, min: 1.25, max: 1.5 });
    expect(onOrigin(`runs/Default/2020-09/${LEGACY}/run.yaml`)).not.toContain('secret');
    const series = JSON.parse(onOrigin(`runs/Default/2020-09/${LEGACY}/series.json`)).series;
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
    const folder = `runs/Image-Classifier-v2/2023-11/${FINISHED}`;
    const run = runYaml(folder);
    expect(run).toMatchObject({
      name: 'bright-fox-1',
      experiment: 'Image Classifier / v2',
      status: 'finished',
      user: 'alice',
      git: { commit: 'fedcba9876543210fedcba9876543210fedcba98', branch: 'main', remote: 'git@example.com:team/vision.git' },
      params: { batch_size: 128, 'model/depth': 50, api_token: '[redacted]' },
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
    const folder = `runs/Image-Classifier-v2/2023-11/${RUNNING}`;
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
    const result = await runCli(['import', 'mlflow', STORE, '--dry-run', '--include-deleted', '--no-artifacts', '--project', 'legacy', '--json'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.dryRun).toBe(true);
    const byId = Object.fromEntries(outcome.imported.map((run: { id: string }) => [run.id, run]));
    expect(Object.keys(byId).sort()).toEqual([LEGACY, FINISHED, RUNNING, DELETED, TRASHED].sort());
    expect(byId[DELETED]).toMatchObject({ project: 'legacy', status: 'failed' });
    expect(byId[TRASHED]).toMatchObject({ project: 'legacy', status: 'killed', name: 'scratch-run' });
    expect(byId[LEGACY].artifacts).toBe(0);
    expect(outcome.skipped.map((s: { source: string }) => s.source.split('/').at(-1))).toEqual([NO_META]);
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
