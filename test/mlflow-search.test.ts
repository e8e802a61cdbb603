/**
 * MLflow search compatibility as a contract: the filter and order_by cases of MLflow's own tests
 * (transcribed, each with its source, in test/fixtures/mlflow-search/cases.json), run against the
 * same runs imported through `runpages import mlflow`. A case marked `differs` is a deliberate
 * difference (docs/query-language.md) and is checked to behave as documented instead.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSortKeys, sortRuns } from '../src/cli/ls-table.ts';
import { prepareImportedRun } from '../src/import/imported-run.ts';
import { scanMlflow } from '../src/import/mlflow.ts';
import { compileQuery, parseQuery, recordAccess } from '../src/query/index.ts';
import type { RunRecord } from '../src/run/schema.ts';
import { tempDir } from './helpers/git.ts';
import { writeMlruns, type MlflowRun } from './helpers/mlruns.ts';

interface Case {
  source: string;
  fixture?: string;
  filter?: string;
  order_by?: string[];
  expected?: string[];
  differs?: string;
}

const CASES = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/mlflow-search/cases.json', import.meta.url)), 'utf8')) as {
  fixtures: Record<string, { source: string; runs: MlflowRun[] }>;
  filters: Case[];
  parses: Case[];
  refused: Case[];
  order_by: Case[];
  refused_order_by: Case[];
};

const NOW = Date.parse('2026-12-01T00:00:00Z');
const runsOf = new Map<string, RunRecord[]>();
let work: string;

/** Imports a fixture's runs as `runpages import mlflow` does, in MLflow's default order (start_time DESC, run_id). */
async function importFixture(name: string, runs: MlflowRun[]): Promise<RunRecord[]> {
  const store = writeMlruns(join(work, name, 'mlruns'), runs);
  const { tasks, skipped } = await scanMlflow(store, { artifacts: false });
  expect(skipped).toEqual([]);
  const records: RunRecord[] = [];
  for (const task of tasks) {
    const prepared = await prepareImportedRun(await task.load(), { cwd: join(work, name), stagingRoot: join(work, name, 'staging') });
    records.push(prepared.record);
  }
  return records.sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

beforeAll(async () => {
  work = tempDir('runpages-mlflow-search-');
  for (const [name, fixture] of Object.entries(CASES.fixtures)) runsOf.set(name, await importFixture(name, fixture.runs));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function filterIds(fixture: string, filter: string): string[] {
  const match = compileQuery(parseQuery(filter), recordAccess, { now: NOW });
  return runsOf
    .get(fixture)!
    .filter(match)
    .map((record) => record.id)
    .sort();
}

function sortedIds(fixture: string, orderBy: string[]): string[] {
  const records = runsOf.get(fixture)!;
  return (orderBy.length === 0 ? records : sortRuns(records, parseSortKeys(orderBy.join(', ')))).map((record) => record.id);
}

describe('MLflow search_runs filters on imported runs', () => {
  test.each(CASES.filters.map((c) => [c.filter!, c] as const))('%s', (_filter, c) => {
    expect(filterIds(c.fixture!, c.filter!), c.source).toEqual(c.expected);
  });
});

describe('filters MLflow accepts are accepted', () => {
  test.each(CASES.parses.map((c) => [c.filter!, c] as const))('%s', (_filter, c) => {
    if (c.differs) expect(() => parseQuery(c.filter!), c.differs).toThrow(/runpages has no/);
    else expect(() => parseQuery(c.filter!), c.source).not.toThrow();
  });
});

describe('filters MLflow refuses are refused, with a column', () => {
  test.each(CASES.refused.map((c) => [c.filter!, c] as const))('%s', (_filter, c) => {
    expect(() => parseQuery(c.filter!), c.source).toThrow(/invalid query at column \d+/);
  });
});

describe('MLflow order_by on imported runs (runpages ls --sort)', () => {
  test.each(CASES.order_by.map((c) => [c.order_by!.join(', ') || '(default)', c] as const))('%s', (_orderBy, c) => {
    const ids = sortedIds(c.fixture!, c.order_by!);
    if (c.differs) expect(ids, c.differs).not.toEqual(c.expected);
    else expect(ids, c.source).toEqual(c.expected);
  });
});

describe('order_by clauses MLflow refuses are refused by --sort', () => {
  test.each(CASES.refused_order_by.map((c) => [c.order_by![0]!, c] as const))('%s', (orderBy, c) => {
    expect(() => parseSortKeys(orderBy), c.source).toThrow(/--sort/);
  });
});

test('every case cites its source', () => {
  const all = [...CASES.filters, ...CASES.parses, ...CASES.refused, ...CASES.order_by, ...CASES.refused_order_by];
  expect(all.every((c) => c.source.startsWith('mlflow/mlflow ') || c.source.startsWith('runpages '))).toBe(true);
  expect(all.length).toBeGreaterThan(120);
});
