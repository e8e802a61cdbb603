import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';

// A folder in the branch layout (runs/<project>/<yyyy-mm>/<id>/run.yaml) with one invalid run, and a
// config whose vision project has a percent-formatted goal metric.
const FIXTURE = fileURLToPath(new URL('./fixtures/ls/', import.meta.url));
const RUNS = join(FIXTURE, 'runs');

const A1 = '01JBKQ4Z5N3X8Y2M7P6R9T1V0A'; // brave-otter-12, vision, finished, acc 0.95, v3, alice, baseline
const A2 = '01JBKQ9H2C4D6F8G0J1K3M5N7B'; // calm-fox-3, vision, finished, acc 0.91, v2, bob
const B1 = '01JC2W7E1R3T5Y7V9K0Q2P4A6S'; // eager-lynx-7, vision, failed, acc 0.40, v3
const B2 = '01JCE3M8N1B5V9C2X6Z4L7K0JH'; // quiet-heron-9, vision, finished, acc 0.96, val/acc 0.94, child of A1
const B3 = '01JD1F6G8H0J2K4M6N8P0Q2R4S'; // steady-yak-5, vision, running, no metrics
const C1 = '01JC5A2B4C6D8E0F2G4H6J8K0M'; // golden-tiger-7, text, finished
const C2 = '01JC5A9Z8Y7X6W5V4T3S2R1Q0P'; // keen-owl-1, text, killed

// steady-yak-5 is running: at this clock it started 3 hours ago (a day later it would show as crashed).
const NOW = '2026-11-20T12:00:00Z';

async function ls(...args: string[]) {
  return runCli(['ls', '--from', RUNS, ...args], { cwd: FIXTURE, env: { COLUMNS: '100', RUNPAGES_NOW: NOW } });
}

async function lsIds(...args: string[]): Promise<string[]> {
  const result = await ls(...args, '--json');
  expect(result.stderr).not.toContain('error');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { id: string }[]).map((record) => record.id);
}

describe('runpages ls on a folder of runs', () => {
  it('lists every valid run newest first, as full records with --json', async () => {
    const result = await ls('--json');
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(records.map((record) => record.id)).toEqual([B3, B2, C2, C1, B1, A2, A1]);
    expect(records.at(-1)).toMatchObject({ name: 'brave-otter-12', params: { optimizer: { lr: 0.001 } }, tags: ['owner:alice', 'baseline'] });
    // The invalid run is skipped with a warning naming its file and field.
    expect(result.stderr).toMatch(/warning 1 invalid run skipped.*01JCBADRUN0000000000000000\/run\.yaml: field "status"/);
  });

  it('narrows to exactly the runs a query selects', async () => {
    expect(await lsIds("metrics.accuracy > 0.93 and params.dataset = 'v3'")).toEqual([B2, A1]);
    expect(await lsIds('metrics.accuracy', '>', '0.93', 'and', 'params.optimizer.name', 'LIKE', "'adam%'")).toEqual([B2, A1]);
    expect(await lsIds("status IN ('failed', 'killed')")).toEqual([C2, B1]);
    expect(await lsIds("tags.owner = 'alice' or user = 'bob'")).toEqual([C2, A2, A1]);
    expect(await lsIds('tags.baseline')).toEqual([A1]);
    expect(await lsIds('otter')).toEqual([A1]);
    expect(await lsIds('mixup resnet')).toEqual([A1]);
    expect(await lsIds('metrics.`val/acc` >= 0.94')).toEqual([B2]);
    expect(await lsIds("created >= '2026-11-05' and not status = 'running'")).toEqual([B2, C2, C1]);
    expect(await lsIds('params.lr > 1')).toEqual([]);
  });

  it('filters by project, sorts on any field and limits', async () => {
    expect(await lsIds('--project', 'text')).toEqual([C2, C1]);
    expect(await lsIds('--sort', 'metrics.accuracy')).toEqual([B2, A1, A2, B1, B3, C2, C1]);
    expect(await lsIds('--sort', 'metrics.accuracy:asc', '--limit', '2')).toEqual([B1, A2]);
    expect(await lsIds('--sort', 'name', '--project', 'vision')).toEqual([A1, A2, B1, B2, B3]);
    expect(await lsIds('--sort', 'params.optimizer.lr:desc', "params.dataset = 'v3'")).toEqual([B1, A1, B3, B2]); // ties stay newest first
  });

  it('sorts on several keys, in its own form or MLflow order_by form', async () => {
    // The first key decides; the next breaks its ties; runs without a value go last.
    expect(await lsIds('--project', 'vision', '--sort', 'params.dataset:desc,metrics.accuracy:asc')).toEqual([B1, A1, B2, B3, A2]);
    expect(await lsIds('--project', 'vision', '--sort', 'params.dataset DESC, metrics.accuracy ASC')).toEqual([B1, A1, B2, B3, A2]);
    expect(await lsIds('--project', 'vision', '--sort', 'params.dataset, metrics.accuracy desc')).toEqual([A2, B2, A1, B1, B3]);
    const bad = await ls('--sort', 'metrics.accuracy,,name');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('has an empty key');
  });

  it('prints a table that fits the terminal, with short ids, statuses and formatted metrics', async () => {
    const result = await runCli(['ls', '--from', RUNS, "project = 'vision'"], { cwd: FIXTURE, env: { COLUMNS: '80', RUNPAGES_NOW: NOW } });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^id\s+name\s+status\s+created\s+duration/);
    expect(lines[1]).toMatch(/^01JD1F6G\s+steady-yak-5\s+running\s/);
    // The goal metric is formatted as the project's config says (percent, one digit).
    const header = lines[0] as string;
    if (header.includes('metrics.accuracy')) expect(lines[2]).toContain('96.0 %');
    expect(result.stderr).toContain('5 of 7 runs match');

    const wide = await runCli(['ls', '--from', RUNS, '--project', 'vision', '--columns', 'id,name,metrics.accuracy,params.optimizer.lr,tags.owner'], {
      cwd: FIXTURE,
      env: { COLUMNS: '200', RUNPAGES_NOW: NOW },
    });
    const wideLines = wide.stdout.trimEnd().split('\n');
    expect(wideLines[0]).toMatch(/^id\s+name\s+metrics\.accuracy\s+params\.optimizer\.lr\s+tags\.owner$/);
    expect(wideLines.find((line) => line.startsWith('01JBKQ4Z'))).toMatch(/brave-otter-12\s+95\.0 %\s+0\.001\s+alice$/);
    // Ids are cut to the shortest prefix that still tells runs apart (at least 8 characters).
    expect(wideLines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['01JD1F6G', '01JCE3M8', '01JC2W7E', '01JBKQ9H', '01JBKQ4Z']);

    const narrow = await runCli(['ls', '--from', RUNS], { cwd: FIXTURE, env: { COLUMNS: '40', RUNPAGES_NOW: NOW } });
    for (const line of narrow.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(40);
  });

  it('shows a bad query with a caret under the column and exits non-zero', async () => {
    const result = await ls('metrics.acc >> 0.9');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error invalid query at column 14: expected a value\n  metrics.acc >> 0.9\n               ^ expected a value\n');
    expect(result.stderr).toMatch(/hint\s+Write a number or a quoted string/);

    const unterminated = await ls("params.dataset = 'v3");
    expect(unterminated.code).toBe(1);
    expect(unterminated.stderr).toContain("  params.dataset = 'v3\n                   ^ unterminated string");
  });

  it('explains bad options and unknown projects', async () => {
    const project = await ls('--project', 'nope');
    expect(project.code).toBe(1);
    expect(project.stderr).toContain('No runs in project "nope"');
    expect(project.stderr).toContain('Projects with runs: text, vision.');
    const sort = await ls('--sort', 'metrics.');
    expect(sort.code).toBe(1);
    expect(sort.stderr).toContain('--sort: "metrics." is not a field name');
    const limit = await ls('--limit', 'many');
    expect(limit.code).toBe(1);
    expect(limit.stderr).toContain('--limit must be a whole number');
  });

  it('has help with the query syntax and examples', async () => {
    const result = await runCli(['ls', '--help'], { cwd: FIXTURE });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Query syntax');
    expect(result.stdout).toContain('$ runpages ls "metrics.acc > 0.9');
  });
});

describe('runpages show', () => {
  const show = (...args: string[]) => runCli(['show', '--from', RUNS, ...args], { cwd: FIXTURE, env: { RUNPAGES_NOW: NOW } });

  it('shows one run by id prefix: params nested, metrics, artifacts with the pull command, lineage', async () => {
    const result = await show('01JBKQ4');
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toMatch(/^brave-otter-12 {2}finished/);
    expect(text).toMatch(/optimizer\.name\s+adam/);
    expect(text).toMatch(/optimizer\.lr\s+0\.001/);
    expect(text).toMatch(/accuracy\s+95\.0 % {2}\(goal\)/);
    expect(text).toMatch(/checkpoints\/model\.pt\s+43 MiB/);
    expect(text).toContain(`runpages pull ${A1} [path]`);
    expect(text).toMatch(new RegExp(`child\\s+${B2}\\s+quiet-heron-9`));
    expect(text).toContain('ResNet baseline with mixup.');
  });

  it('finds a run by name and prints the full record with --json', async () => {
    const result = await show('quiet-heron-9', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: B2, parents: [A1], metrics: { 'val/acc': 0.94 } });
  });

  it('lists the candidates of an ambiguous prefix, and says what to do with an unknown one', async () => {
    const ambiguous = await show('01JBKQ');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('"01JBKQ" matches 2 runs:');
    expect(ambiguous.stderr).toMatch(new RegExp(`${A1}\\s+brave-otter-12`));
    expect(ambiguous.stderr).toMatch(new RegExp(`${A2}\\s+calm-fox-3`));
    expect(ambiguous.stderr).toContain('longer prefix');

    const unknown = await show('01XYZ');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No run has an id starting with "01XYZ"');
    expect(unknown.stderr).toContain('runpages ls');
  });
});

describe('runpages ls and show on the runs branch', () => {
  let repo: TestRepo;
  beforeAll(() => {
    repo = makeTestRepo();
    // An orphan `runs` branch holding the fixture runs, made with plain git; then back to main.
    git(repo.dir, 'checkout', '-q', '--orphan', 'runs');
    git(repo.dir, 'rm', '-rq', '--cached', '.');
    cpSync(RUNS, join(repo.dir, 'runs'), { recursive: true });
    git(repo.dir, 'add', 'runs');
    git(repo.dir, 'commit', '-qm', 'runs');
    git(repo.dir, 'checkout', '-qf', 'main');
    git(repo.dir, 'clean', '-fdq');
  });
  afterAll(() => repo.cleanup());

  it('reads the configured branch by default, without a checkout', async () => {
    const result = await runCli(['ls', "status = 'finished'", '--json'], { cwd: repo.dir });
    expect(result.stderr).not.toContain('error');
    expect((JSON.parse(result.stdout) as { id: string }[]).map((record) => record.id)).toEqual([B2, C1, A2, A1]);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');

    const shown = await runCli(['show', '01JC5A9', '--json'], { cwd: repo.dir });
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: C2, name: 'keen-owl-1' });
  });
});
