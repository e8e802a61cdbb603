/**
 * Builds of a site big enough for the worker threads (40 generated runs): every run page charted in
 * the configured style, every run in the comparison data shards, a change of chart style re-drawing
 * only charts, and a rebuild with nothing new rendering no run page again.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDataShard, runDataShardCount } from '../src/report/compare-data.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 40;
let work: string;
let ids: string[];

const build = async (charts: 'plot' | 'compact') => {
  writeFileSync(join(work, 'runpages.config.yaml'), `site:\n  charts: ${charts}\n`);
  const result = await runCli(['build', '--from', 'runs', '--out', 'site', '--json'], { cwd: work, timeoutMs: 300_000 });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { runs: number; charts: { rendered: number; cached: number } };
};
const page = (id: string) => readFileSync(join(work, 'site', 'r', id, 'index.html'), 'utf8');
const seriesCount = (id: string) => (page(id).match(/<figure class="chart card"/g) ?? []).length;

beforeAll(() => {
  work = tempDir('runpages-incremental-');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'generate-demo.ts'), '--out', join(work, 'runs'), '--runs', String(RUNS), '--points', '300'], {
    cwd: ROOT,
  });
  ids = readdirSync(join(work, 'runs'), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('run.yaml'))
    .map((path) => path.split(/[\\/]/).at(-2) as string);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a 40-run site', () => {
  it('charts every series of every run in compact style and puts every run in its data shard', async () => {
    const result = await build('compact');
    expect(result.runs).toBe(RUNS);
    expect(result.charts.rendered).toBeGreaterThan(RUNS);
    for (const id of ids) {
      const html = page(id);
      expect((html.match(/class="compact-chart"/g) ?? []).length, id).toBe(seriesCount(id));
      expect(seriesCount(id), id).toBeGreaterThan(0);
      const shard = JSON.parse(readFileSync(join(work, 'site', 'compare', 'data', `${runDataShard(id, runDataShardCount(RUNS))}.json`), 'utf8'));
      expect(shard.runs[id]?.record.id, id).toBe(id);
    }
  }, 300_000);

  it('re-draws charts in Plot style when the config says so, reusing the comparison data', async () => {
    const result = await build('plot');
    expect(result.charts.rendered).toBeGreaterThan(RUNS);
    for (const id of ids) {
      expect(page(id), id).not.toContain('class="compact-chart"');
      expect((page(id).match(/<svg[^>]*role="img"/g) ?? []).length, id).toBeGreaterThanOrEqual(seriesCount(id));
    }
  }, 300_000);

  it('renders no run page again when nothing changed', async () => {
    const before = new Map(ids.map((id) => [id, statSync(join(work, 'site', 'r', id, 'index.html')).mtimeMs]));
    const result = await build('plot');
    expect(result.charts).toMatchObject({ rendered: 0 });
    for (const id of ids) expect(statSync(join(work, 'site', 'r', id, 'index.html')).mtimeMs, id).toBe(before.get(id));
  }, 300_000);
});
