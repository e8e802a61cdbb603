/**
 * Loading and indexing runs: validation with file/field reasons, duplicate ids, folder placement,
 * deterministic order, columns, goals, search index. Pure functions over in-memory files, plus one
 * read of the fixture folder.
 */
import MiniSearch from 'minisearch';
import { fileURLToPath } from 'node:url';
import { stringifyYaml } from '../src/run/yaml.ts';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { flattenParams, projectColumns } from '../src/index/columns.ts';
import { loadRuns, parseRuns, type RunFiles } from '../src/index/load.ts';
import { runSource } from '../src/index/source.ts';
import { buildIndex } from '../src/index/run-index.ts';
import { chooseGoal } from '../src/report/goal.ts';
import { summarize } from '../src/report/summary.ts';
import { SEARCH_OPTIONS, type SearchDocument } from '../src/index/search.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/site-runs/', import.meta.url));

function runFiles(fields: Record<string, unknown>, extra: Partial<RunFiles> = {}): RunFiles {
  const record: Record<string, unknown> = { schema: 'runpages/run@1', name: 'n', project: 'p', status: 'finished', created: '2026-11-01T00:00:00Z', ...fields };
  const month = String(record.created).slice(0, 7);
  return { folder: `runs/${String(record.project)}/${month}/${String(record.id)}`, runYaml: stringifyYaml(record), ...extra };
}

describe('parseRuns', () => {
  it('sorts runs newest first, then by id', () => {
    const { runs } = parseRuns([
      runFiles({ id: 'b', created: '2026-11-01T00:00:00Z' }),
      runFiles({ id: 'a', created: '2026-11-01T00:00:00Z' }),
      runFiles({ id: 'c', created: '2026-11-02T00:00:00Z' }),
    ]);
    expect(runs.map((r) => r.record.id)).toEqual(['c', 'a', 'b']);
  });

  it('skips invalid runs with a reason naming file and field, and keeps the rest', () => {
    const bad = runFiles({ id: 'bad', status: 'exploded' });
    const { runs, invalid } = parseRuns([runFiles({ id: 'ok' }), bad]);
    expect(runs.map((r) => r.record.id)).toEqual(['ok']);
    expect(invalid).toEqual([{ file: `${bad.folder}/run.yaml`, field: 'status', reason: expect.stringContaining('"exploded"') }]);
  });

  it('reports YAML syntax errors and broken series.json against the right file', () => {
    const yaml = { folder: 'runs/p/2026-11/y', runYaml: 'id: [unclosed' };
    const series = runFiles({ id: 's' }, { seriesJson: '{"schema": "runpages/series@1", "series": {"x": {"step": [1], "value": []}}}' });
    const json = runFiles({ id: 'j' }, { seriesJson: '{nope' });
    const { runs, invalid } = parseRuns([yaml, series, json]);
    expect(runs).toEqual([]);
    expect(invalid.map((i) => i.file)).toEqual(['runs/p/2026-11/j/series.json', 'runs/p/2026-11/s/series.json', 'runs/p/2026-11/y/run.yaml']);
    expect(invalid[0]?.reason).toContain('not valid JSON');
    expect(invalid[1]?.reason).toContain('same length');
    expect(invalid[2]?.reason).toContain('not valid YAML');
  });

  it('rejects a run whose folder does not match its id or project', () => {
    const moved = { ...runFiles({ id: 'x' }), folder: 'runs/p/2026-11/y' };
    const otherProject = { ...runFiles({ id: 'z' }), folder: 'runs/q/2026-11/z' };
    const { invalid } = parseRuns([moved, otherProject]);
    expect(invalid.map((i) => i.field)).toEqual(['id', 'project']);
  });

  it('keeps the first of duplicate ids and reports the other', () => {
    const first = runFiles({ id: 'dup', project: 'a' });
    const second = runFiles({ id: 'dup', project: 'b' });
    const { runs, invalid } = parseRuns([second, first]);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.folder).toBe(first.folder);
    expect(invalid).toEqual([{ file: `${second.folder}/run.yaml`, field: 'id', reason: expect.stringContaining(`duplicates the run in ${first.folder}`) }]);
  });

  it('gives each run a content hash that changes with its files', () => {
    const a = parseRuns([runFiles({ id: 'h' })]).runs[0];
    const b = parseRuns([runFiles({ id: 'h', name: 'other' })]).runs[0];
    const c = parseRuns([runFiles({ id: 'h' })]).runs[0];
    expect(a?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a?.hash).not.toBe(b?.hash);
    expect(a?.hash).toBe(c?.hash);
  });
});

describe('loadRuns from a folder', () => {
  it('reads run.yaml and series.json in the branch layout', async () => {
    const { runs, invalid } = await loadRuns({ source: runSource(FIXTURE, '/', 'runs'), cwd: '/' });
    expect(runs).toHaveLength(6);
    expect(invalid).toHaveLength(1);
    expect(runs.find((r) => r.record.id === '01JDV0A000000000000000000A')?.series?.series['val/acc']?.step).toHaveLength(50);
  });
});

describe('buildIndex', () => {
  const load = parseRuns([
    runFiles({ id: 'r1', created: '2026-11-01T00:00:00Z', metrics: { 'val/loss': 0.5, acc: 0.8 }, params: { optim: { lr: 0.1 } }, tags: ['x'] }),
    runFiles({ id: 'r2', created: '2026-11-02T00:00:00Z', metrics: { 'val/loss': 0.3, acc: 0.7 }, params: { optim: { lr: 0.01 } }, parents: ['r1'] }),
    runFiles({ id: 'r3', created: '2026-11-03T00:00:00Z', project: 'q', user: 'zoe', notes: 'tried the cosine schedule', params: { sched: 'cosine' } }),
  ]);

  it('groups runs by project and links children to parents', () => {
    const index = buildIndex(load, parseConfig({}));
    expect(index.projects.map((p) => [p.name, p.runIds])).toEqual([
      ['p', ['r2', 'r1']],
      ['q', ['r3']],
    ]);
    expect(index.runs.find((r) => r.record.id === 'r1')?.children).toEqual(['r2']);
  });

  it('uses the configured goal, else the first metric with a direction guessed from its name', () => {
    const configured = buildIndex(load, parseConfig({ projects: { p: { goal: { metric: 'val/loss', direction: 'min' } } } })).projects[0];
    expect(configured?.goal).toMatchObject({ metric: 'val/loss', direction: 'min', configured: true });
    expect(configured?.best).toEqual({ id: 'r2', value: 0.3 });
    const guessed = buildIndex(load, parseConfig({})).projects[0];
    expect(guessed?.goal).toMatchObject({ metric: 'acc', direction: 'max', configured: false });
    expect(guessed?.best).toEqual({ id: 'r1', value: 0.8 });
  });

  it('picks the same goal and best run as the project summary when none is configured', () => {
    // train/loss is reported by more runs, but accuracy reads as the goal; the failed run's partial
    // value must not be the best.
    const runs = parseRuns([
      runFiles({ id: 'g1', created: '2026-11-01T00:00:00Z', metrics: { 'train/loss': 0.9, 'val/acc': 0.7 } }),
      runFiles({ id: 'g2', created: '2026-11-02T00:00:00Z', metrics: { 'train/loss': 0.5, 'val/acc': 0.8 } }),
      runFiles({ id: 'g3', created: '2026-11-03T00:00:00Z', status: 'failed', metrics: { 'train/loss': 0.4, 'val/acc': 0.9 } }),
      runFiles({ id: 'g4', created: '2026-11-04T00:00:00Z', metrics: { 'train/loss': 0.3 } }),
    ]);
    const [project] = buildIndex(runs, parseConfig({})).projects;
    const records = runs.runs.map((r) => r.record);
    const summary = summarize(records, { project: 'p' }, Date.parse('2026-11-05T00:00:00Z'));
    expect(project?.goal).toEqual({ metric: 'val/acc', direction: 'max', configured: false });
    expect(chooseGoal(records)?.goal).toEqual({ metric: 'val/acc', direction: 'max' });
    expect(summary?.goal).toEqual({ metric: 'val/acc', direction: 'max' });
    expect(project?.best).toEqual({ id: 'g2', value: 0.8 });
    expect(summary?.best).toMatchObject({ id: 'g2', value: 0.8 });
  });

  it('breaks ties for the best run towards the run that got there first', () => {
    const runs = parseRuns([
      runFiles({ id: 't1', created: '2026-11-01T00:00:00Z', metrics: { acc: 0.8 } }),
      runFiles({ id: 't2', created: '2026-11-02T00:00:00Z', metrics: { acc: 0.8 } }),
    ]);
    const [project] = buildIndex(runs, parseConfig({})).projects;
    const summary = summarize(
      runs.runs.map((r) => r.record),
      { project: 'p' },
      Date.parse('2026-11-05T00:00:00Z'),
    );
    expect(project?.best?.id).toBe('t1');
    expect(summary?.best?.id).toBe('t1');
  });

  it('lists attribute, param (dotted), metric and tag columns', () => {
    const columns = buildIndex(load, parseConfig({})).projects[0]?.columns.map((c) => c.key);
    expect(columns).toEqual(['name', 'status', 'created', 'params.optim.lr', 'metrics.acc', 'metrics.val/loss', 'tags']);
  });

  it('serialises a search index over names, notes, users and short param values', () => {
    const project = buildIndex(load, parseConfig({})).projects[1];
    const search = MiniSearch.loadJSON<SearchDocument>(project?.search ?? '', SEARCH_OPTIONS);
    expect(search.search('cosine').map((r) => r.id)).toEqual(['r3']);
    expect(search.search('zoe').map((r) => r.id)).toEqual(['r3']);
    expect(search.search('nothing-like-this')).toEqual([]);
  });
});

describe('columns', () => {
  it('flattens nested params and keeps lists as values', () => {
    expect(flattenParams({ a: { b: { c: 1 } }, l: [1, 2], s: 'x' })).toEqual({ 'a.b.c': 1, l: [1, 2], s: 'x' });
  });

  it('marks a column mixed when runs disagree on its type', () => {
    const { runs } = parseRuns([runFiles({ id: 'a', params: { v: 1 } }), runFiles({ id: 'b', params: { v: 'one' } })]);
    expect(projectColumns(runs.map((r) => r.record)).find((c) => c.key === 'params.v')).toMatchObject({ type: 'mixed', count: 2 });
  });
});

describe('loadRuns errors', () => {
  it('names a missing folder and says what to pass instead', async () => {
    await expect(loadRuns({ source: runSource('./no/such/folder', FIXTURE, 'runs'), cwd: FIXTURE })).rejects.toMatchObject({
      code: 'runs-not-found',
      hint: expect.stringContaining('--from'),
    });
  });
});
