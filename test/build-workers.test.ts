/**
 * The build's worker pool and caches change how fast a site is made, never what is made: the same
 * runs build the same site byte for byte with everything parsed and drawn on the main thread
 * (RUNPAGES_WORKERS=0), with one worker and with two, again from a warm cache, and from a cache as
 * CI restores it (without the full series).
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder } from '../src/run/prepared.ts';
import { generateDemoRuns } from '../scripts/demo/generate.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { listFiles } from './helpers/site.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/site-runs/', import.meta.url));
/** More runs than the build derives inline before it starts workers (16), so the workers draw most. */
const GENERATED = 40;
const NOW = '2026-11-22T00:00:00Z';

let work: string;
const builds: Record<string, CliResult> = {};

function build(out: string, workers: string, ...flags: string[]): Promise<CliResult> {
  return runCli(['build', '--from', 'runs', '--out', out, ...flags], { cwd: work, env: { RUNPAGES_WORKERS: workers, RUNPAGES_NOW: NOW }, timeoutMs: 300_000 });
}

beforeAll(async () => {
  work = tempDir('runpages-build-workers-');
  // The fixture's runs (an invalid one among them) beside generated ones with long series.
  cpSync(FIXTURE, join(work, 'runs'), { recursive: true });
  for (const run of generateDemoRuns({ runs: GENERATED, seed: 'build-workers', points: 300, params: 10, metrics: 6, series: 3 })) {
    const folder = join(work, runFolder(run.record));
    mkdirSync(folder, { recursive: true });
    for (const [name, text] of Object.entries(run.files)) writeFileSync(join(folder, name), text);
  }
  for (const workers of ['0', '1', '2']) {
    rmSync(join(work, '.runpages'), { recursive: true, force: true });
    builds[workers] = await build(`out-${workers}`, workers);
  }
  // From the cache the last build left: runs, series and charts reused, pages rendered anew.
  builds.warm = await build('out-warm', '2');
  // As CI restores it: without the full series, so runs are parsed again and charts reused.
  rmSync(join(work, '.runpages', 'cache', 'series'), { recursive: true, force: true });
  builds.restored = await build('out-restored', '2', '--json');
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a build with and without worker threads and caches', () => {
  it('draws no chart again from a restored cache', () => {
    const stdout = builds.restored?.stdout ?? '';
    const summary = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { charts: { rendered: number; cached: number } };
    expect(summary.charts.rendered).toBe(0);
    expect(summary.charts.cached).toBeGreaterThan(GENERATED);
  });

  it('succeeds every time, skipping the same invalid run', () => {
    for (const [name, result] of Object.entries(builds)) {
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      expect(result.stderr, name).toContain(`for ${GENERATED + 6} runs`);
      expect(result.stderr, name).toContain('1 invalid run skipped');
    }
  });

  it('writes the same files with the same bytes', () => {
    const reference = join(work, 'out-0');
    const files = listFiles(reference).sort();
    expect(files.length).toBeGreaterThan(GENERATED);
    for (const out of ['out-1', 'out-2', 'out-warm', 'out-restored']) {
      expect(listFiles(join(work, out)).sort(), out).toEqual(files);
      const differing = files.filter((file) => !readFileSync(join(reference, file)).equals(readFileSync(join(work, out, file))));
      expect(differing, out).toEqual([]);
    }
  });
});
