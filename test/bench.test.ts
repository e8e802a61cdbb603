/**
 * The benchmark harness's parts, without timing anything: runs imported onto a bare repository's
 * branch as the generator wrote them, the git floor reading them all, the bare Astro reference
 * project building its pages, GNU time parsing, page types and the result table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFolder } from '../src/run/prepared.ts';
import { writeBareAstroProject } from '../scripts/bench/astro-baseline.ts';
import { gitFloorSeconds } from '../scripts/bench/git-floor.ts';
import { parseGnuTime, runMeasured, tail } from '../scripts/bench/process.ts';
import { formatTable, measured, median, notAvailable } from '../scripts/bench/report.ts';
import { importRuns, initBareRepo } from '../scripts/bench/runs-repo.ts';
import { pageType } from '../scripts/bench/site-size.ts';
import { generateDemoRuns } from '../scripts/demo/generate.ts';
import { tempDir } from './helpers/git.ts';

const ROOT = join(import.meta.dirname, '..');
const scratch = tempDir('runpages-bench-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const show = (gitDir: string, path: string) => execFileSync('git', ['--git-dir', gitDir, 'show', `runs:${path}`], { encoding: 'utf8' });
const listing = (gitDir: string) => execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', 'runs'], { encoding: 'utf8' }).trim().split('\n');

describe('importRuns', () => {
  it('commits generated runs to the branch byte for byte, then adds more on top', async () => {
    const repo = join(scratch, 'runs.git');
    initBareRepo(repo);
    const runs = [...generateDemoRuns({ runs: 20, seed: 'bench-test', points: 30 })];
    const seen: number[] = [];
    const count = await importRuns(repo, 'runs', runs, { message: '20 runs', time: new Date('2026-11-20T00:00:00Z'), onRun: (n) => seen.push(n) });
    expect(count).toBe(20);
    expect(seen.at(-1)).toBe(20);
    expect(listing(repo)).toHaveLength(40);
    for (const run of runs) {
      expect(show(repo, `${runFolder(run.record)}/run.yaml`)).toBe(run.files['run.yaml']);
      expect(show(repo, `${runFolder(run.record)}/series.json`)).toBe(run.files['series.json']);
    }

    const [extra] = [...generateDemoRuns({ runs: 1, seed: 'bench-test-extra', points: 30 })];
    if (!extra) throw new Error('no extra run');
    await importRuns(repo, 'runs', [extra], { message: 'one more', time: new Date('2026-11-21T00:00:00Z') });
    expect(listing(repo)).toHaveLength(42);
    expect(execFileSync('git', ['--git-dir', repo, 'rev-list', '--count', 'runs'], { encoding: 'utf8' }).trim()).toBe('2');

    const floor = await gitFloorSeconds(repo, 'runs');
    expect(floor.blobs).toBe(42);
    const contentBytes = [...runs, extra].reduce(
      (sum, run) => sum + Buffer.byteLength(run.files['run.yaml'] ?? '') + Buffer.byteLength(run.files['series.json'] ?? ''),
      0,
    );
    expect(floor.bytes).toBeGreaterThan(contentBytes);
  });
});

describe('the bare Astro reference', () => {
  it('builds exactly the number of trivial pages asked for', async () => {
    // Inside the checkout, so `astro` resolves from its node_modules.
    mkdirSync(join(ROOT, 'bench', 'tmp'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'bench', 'tmp', 'test-astro-'));
    try {
      writeBareAstroProject(dir, 3);
      const result = await runMeasured(process.execPath, [join(ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build', '--root', dir, '--silent'], {
        cwd: dir,
      });
      expect(result.code, result.stderr).toBe(0);
      for (const page of ['0', '1', '2']) expect(existsSync(join(dir, 'dist', 'page', page, 'index.html'))).toBe(true);
      expect(existsSync(join(dir, 'dist', 'page', '3'))).toBe(false);
      if (existsSync('/usr/bin/time')) expect(result.maxRssMb).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('figures and the table', () => {
  it('reads wall time and peak memory from GNU time -v', () => {
    const stderr = [
      '\tCommand being timed: "node build.js"',
      '\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02.50',
      '\tMaximum resident set size (kbytes): 524288',
    ].join('\n');
    expect(parseGnuTime(stderr)).toEqual({ seconds: 62.5, maxRssMb: 512 });
    expect(parseGnuTime('\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:00:03')).toEqual({ seconds: 3603 });
  });

  it('says why a measured command died', () => {
    expect(
      tail('<--- JS stacktrace --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n\tCommand terminated by signal 6\n'),
    ).toBe('JavaScript heap out of memory (signal 6)');
    expect(tail('\tCommand terminated by signal 9\n')).toBe('killed by signal 9');
    expect(tail('error one\nerror two\n\tMaximum resident set size (kbytes): 10\n')).toBe('error one | error two');
  });

  it('classifies built files by page type', () => {
    expect(pageType('r/01ABC/index.html')).toBe('run pages');
    expect(pageType('p/cifar-resnet/runs/index.html')).toBe('run table pages');
    expect(pageType('p/cifar-resnet/runs/table/c/metrics.json')).toBe('run table data');
    expect(pageType('p/cifar-resnet/index.html')).toBe('project summaries');
    expect(pageType('_astro/main.js')).toBe('scripts and styles');
    expect(pageType('index.html')).toBe('home');
  });

  it('prints measured rows with ratios and goals, and unmeasured ones with their reason', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const rows = [
      measured('build', 'full build', 30, 's', { reference: 10, limit: 3 }),
      measured('build', 'incremental build', 20, 's', { reference: 10, limit: 1.3 }),
      measured('browser', 'filter + sort', 12, 'ms', { limit: 30 }),
      notAvailable('recording', 'run.log() per call', 'us', 'src/record/api.ts is not there yet'),
    ];
    expect(rows[0]?.met).toBe(true);
    expect(rows[1]?.met).toBe(false);
    const text = formatTable(rows);
    expect(text).toMatch(/full build\s+30\.0\s+s\s+10\.0\s+3\.00x\s+<= 3x ok/);
    expect(text).toMatch(/incremental build\s+20\.0\s+s\s+10\.0\s+2\.00x\s+<= 1\.3x MISSED/);
    expect(text).toMatch(/filter \+ sort\s+12\.0\s+ms\s+<= 30 ms ok/);
    expect(text).toMatch(/run\.log\(\) per call\s+n\/a\s+us.*n\/a \(src\/record\/api\.ts is not there yet\)/);
    expect(text.split('\n')).toHaveLength(6);
  });
});
