/**
 * What keeps big builds fast and bounded (issue 5): compact charts above the Plot threshold, the
 * loader's fast YAML path giving the same records as the strict parser, and series streamed to a sink
 * instead of kept on every run.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuns, parseRuns, type LoadCache } from '../src/index/load.ts';
import { runSource } from '../src/index/source.ts';
import type { SeriesFile } from '../src/run/schema.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { PLOT_MAX_RUNS, chartStyle, renderCompactChart } from '../src/site/charts.ts';
import { git, makeTestRepo } from './helpers/git.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'site-runs');
const RUN = 'runs/vision/2026-11/01JDV0A000000000000000000A';

describe('chart style', () => {
  it('draws Plot charts up to the threshold and compact ones above, unless the config says which', () => {
    expect(chartStyle('auto', PLOT_MAX_RUNS)).toBe('plot');
    expect(chartStyle('auto', PLOT_MAX_RUNS + 1)).toBe('compact');
    expect(chartStyle('plot', 100_000)).toBe('plot');
    expect(chartStyle('compact', 3)).toBe('compact');
  });
});

describe('compact chart', () => {
  const step = Array.from({ length: 1000 }, (_, i) => i * 10);
  const value = step.map((s) => 2 - s / 10_000);
  value[613] = 9.5; // a spike that must survive the thinning

  it('keeps the spike, labels the range and stays small', () => {
    const svg = renderCompactChart({ step, value }, { name: 'train/loss' });
    expect(svg.length).toBeLessThan(4000);
    const path = /<path [^>]*d="M([^"]+)"/.exec(svg)?.[1] ?? '';
    const points = path.split('L');
    expect(points.length).toBeLessThanOrEqual(200);
    expect(points.length).toBeGreaterThan(50);
    // The spike is the highest point: y at the top margin.
    expect(Math.min(...points.map((p) => Number(p.split(',')[1])))).toBe(10);
    expect(svg).toContain('>9.5</text>');
    expect(svg).toContain('>step 9990</text>');
    expect(svg).toContain('max 9.5');
  });

  it('escapes the series name and says when there is nothing to draw', () => {
    const svg = renderCompactChart({ step: [1, 2], value: [Number.NaN, Number.POSITIVE_INFINITY] }, { name: '<script>"x"' });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('no finite values');
    expect(svg).not.toContain('<path');
  });
});

describe('loader', () => {
  it('reads run.yaml the same through its fast path as through the strict parser', () => {
    const text = readFileSync(join(FIXTURE, RUN.slice('runs/'.length), 'run.yaml'), 'utf8');
    const { runs } = parseRuns([{ folder: RUN, runYaml: text }]);
    expect(runs[0]?.record).toEqual(parseRunRecord(parseYaml(text, 'run.yaml'), 'run.yaml'));
  });

  it('still expands aliases and rejects alias bombs through the strict parser', () => {
    const base = readFileSync(join(FIXTURE, RUN.slice('runs/'.length), 'run.yaml'), 'utf8');
    const aliased = base.replace('tags:\n  - baseline\n  - resnet\n', 'tags:\n  - &t shared\n  - *t\n');
    expect(aliased).not.toBe(base);
    const ok = parseRuns([{ folder: RUN, runYaml: aliased }]);
    expect(ok.invalid).toEqual([]);
    expect(ok.runs[0]?.record.tags).toEqual(['shared', 'shared']);
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const bomb = parseRuns([{ folder: RUN, runYaml: `${base}\nextra:\n${levels.map((l) => `  ${l}`).join('\n')}\n` }]);
    expect(bomb.runs).toEqual([]);
    expect(bomb.invalid[0]?.reason).toMatch(/YAML/);
  });

  it('streams series to a sink instead of keeping them, with the names kept on the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runpages-stream-'));
    cpSync(FIXTURE, dir, { recursive: true });
    const seen = new Map<string, SeriesFile>();
    const streamed = await loadRuns({ source: runSource(dir, '/', 'runs'), cwd: '/', onSeries: (run, series) => void seen.set(run.record.id, series) });
    const kept = await loadRuns({ source: runSource(dir, '/', 'runs'), cwd: '/' });
    expect(streamed.runs.map((r) => r.record.id)).toEqual(kept.runs.map((r) => r.record.id));
    expect(streamed.invalid).toEqual(kept.invalid);
    for (const run of streamed.runs) {
      expect(run.series).toBeUndefined();
      const full = kept.runs.find((r) => r.record.id === run.record.id);
      expect(run.hash).toBe(full?.hash);
      expect(run.seriesNames).toEqual(Object.keys(full?.series?.series ?? {}).sort());
      if (full?.series) expect(seen.get(run.record.id)).toEqual(full.series);
      else expect(seen.has(run.record.id)).toBe(false);
    }
    expect(seen.size).toBeGreaterThan(0);
    writeFileSync(join(dir, RUN.slice('runs/'.length), 'series.json'), '{"schema": "runpages/series@1", "series": {"x": {"step": [1], "value": []}}}');
    const bad = await loadRuns({ source: runSource(dir, '/', 'runs'), cwd: '/', onSeries: () => {} });
    expect(bad.invalid.map((i) => i.file)).toContain(`${RUN}/series.json`);
  });

  it('reuses cached runs by content hash and parses changed or moved ones again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runpages-cache-'));
    cpSync(FIXTURE, dir, { recursive: true });
    const cache: LoadCache = new Map();
    const first = await loadRuns({ source: runSource(dir, '/', 'runs'), cwd: '/', cache });
    expect(cache.size).toBe(first.runs.length);
    const streamed: string[] = [];
    const again = await loadRuns({ source: runSource(dir, '/', 'runs'), cwd: '/', cache, onSeries: (run) => void streamed.push(run.record.id) });
    expect(streamed).toEqual([]); // nothing parsed: every run came from the cache
    expect(again.runs.map((r) => [r.record, r.hash, r.seriesNames])).toEqual(first.runs.map((r) => [r.record, r.hash, r.seriesNames]));
    const yamlFile = join(dir, RUN.slice('runs/'.length), 'run.yaml');
    writeFileSync(yamlFile, readFileSync(yamlFile, 'utf8').replace(/^name: .*$/m, 'name: renamed-run'));
    const changed = await loadRuns({ source: runSource(dir, '/', 'runs'), cwd: '/', cache, onSeries: (run) => void streamed.push(run.record.id) });
    expect(streamed).toEqual(['01JDV0A000000000000000000A']);
    expect(changed.runs.find((r) => r.record.id === '01JDV0A000000000000000000A')?.record.name).toBe('renamed-run');
  });

  it('on a branch, reads only the runs whose blobs changed since the cache was filled', async () => {
    const repo = makeTestRepo();
    try {
      const side = join(repo.dir, '..', 'side-cache');
      git(repo.dir, 'worktree', 'add', '-q', '--detach', side);
      git(side, 'checkout', '-q', '--orphan', 'runs');
      git(side, 'rm', '-rq', '--cached', '.');
      cpSync(FIXTURE, join(side, 'runs'), { recursive: true });
      git(side, 'add', 'runs');
      git(side, 'commit', '-qm', 'runs');
      const cache: LoadCache = new Map();
      const first = await loadRuns({ source: runSource('runs', repo.dir, 'runs'), cwd: repo.dir, cache });
      const parsed: string[] = [];
      const again = await loadRuns({ source: runSource('runs', repo.dir, 'runs'), cwd: repo.dir, cache, onSeries: (run) => void parsed.push(run.record.id) });
      expect(parsed).toEqual([]);
      expect(again.runs.map((r) => [r.record, r.hash])).toEqual(first.runs.map((r) => [r.record, r.hash]));
      const yamlFile = join(side, RUN, 'run.yaml');
      writeFileSync(yamlFile, readFileSync(yamlFile, 'utf8').replace(/^name: .*$/m, 'name: renamed-on-branch'));
      git(side, 'commit', '-qam', 'rename');
      const changed = await loadRuns({ source: runSource('runs', repo.dir, 'runs'), cwd: repo.dir, cache, onSeries: (run) => void parsed.push(run.record.id) });
      expect(parsed).toEqual(['01JDV0A000000000000000000A']);
      expect(changed.runs.find((r) => r.record.id === '01JDV0A000000000000000000A')?.record.name).toBe('renamed-on-branch');
      expect(changed.invalid).toEqual(first.invalid);
    } finally {
      repo.cleanup();
    }
  });
});
