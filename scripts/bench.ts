/**
 * `npm run bench`: generates N realistic runs into a bare repository's `runs` branch and measures the
 * whole product against its references (issue 5): load+index vs the raw git floor, the site build vs
 * a bare Astro build of as many pages, an incremental build, output size, the run table in Chromium,
 * and recording. Prints one table; `--json <path>` writes it with the machine's description. A
 * section whose code or tool is missing prints "n/a (reason)" instead of failing.
 *
 *   npm run bench -- --runs 10000 --json bench/results-10k.json
 *   npm run bench -- --quick          # a few hundred runs, for CI
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { stringifyYaml } from '../src/run/yaml.ts';
import type { PreparedRun } from '../src/run/prepared.ts';
import { writeBareAstroProject } from './bench/astro-baseline.ts';
import { CHROMIUM, measureTable, serveStatic } from './bench/browser.ts';
import { gitFloorSeconds } from './bench/git-floor.ts';
import { runMeasured, tail, type ProcessResult } from './bench/process.ts';
import { cloneOrigin, makeOrigin, measureConcurrentWriters, measureLog, measureOneCommit } from './bench/recording.ts';
import { measurePythonLog } from './bench/python-client.ts';
import { formatTable, measured, notAvailable, type ResultRow } from './bench/report.ts';
import { initBareRepo, importRuns } from './bench/runs-repo.ts';
import { gzipSize, measureSite } from './bench/site-size.ts';
import { demoConfig } from './demo/config.ts';
import { DEMO_END, generateDemoRuns, type DemoOptions } from './demo/generate.ts';
import { demoMedia } from './demo/media.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin', 'runpages.js');
const ASTRO = join(ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');
const SECTIONS = ['load', 'build', 'browser', 'recording'] as const;

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

const program = new Command('bench')
  .description('Benchmark runpages on N generated runs: load, build, incremental build, size, browser, recording.')
  .option('--runs <n>', 'runs to generate (1000, 10000, 100000)', count, 1000)
  .option('--quick', 'a few hundred runs and fewer writers, for CI')
  .option('--json <path>', 'also write the results as JSON here')
  .option('--seed <seed>', 'generator seed', 'runpages-bench')
  .option('--points <n>', 'stored points per series', count, 1000)
  .option('--only <sections>', `comma-separated subset of ${SECTIONS.join(',')}`)
  .option('--keep', 'keep the scratch folder (bench/tmp/...) for inspection')
  .option('--media <percent>', 'give this share of finished runs demo media (images, matrices, curves, tables, texts)', count, 0)
  .option('--repeats <n>', 'measured builds per figure, the median quoted (default 3 up to 20k runs, else 1)', count)
  .addHelpText(
    'after',
    '\nExamples:\n  npm run bench -- --runs 10000 --json bench/results-10k.json\n  npm run bench -- --quick --json test-output/bench-quick.json\n',
  );
program.parse();
const flags = program.opts<{
  runs: number;
  quick?: boolean;
  json?: string;
  seed: string;
  points: number;
  only?: string;
  keep?: boolean;
  media: number;
  repeats?: number;
}>();

const runs = flags.quick ? 300 : flags.runs;
const writers = flags.quick ? 16 : 50;
/** Timings are medians of this many runs up to 20k runs (single figures move with the machine's load). */
const repeats = flags.repeats ?? (runs <= 20_000 ? 3 : 1);
const only = new Set(flags.only?.split(',').map((s) => s.trim()) ?? SECTIONS);
const rows: ResultRow[] = [];
const startedAt = new Date();
const log = (message: string) => process.stderr.write(`${message}\n`);

const tmpRoot = join(ROOT, 'bench', 'tmp');
mkdirSync(tmpRoot, { recursive: true });
// Inside the checkout, so the bare Astro project resolves `astro` from this repository's node_modules.
const work = mkdtempSync(join(tmpRoot, `run-${runs}-`));
const repo = join(work, 'runs.git');
const site = join(work, 'site');
const shape: DemoOptions = { runs, seed: flags.seed, points: flags.points, params: 30, metrics: 20, series: 4 };
const childEnv = { ...process.env, NO_COLOR: '1' };

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1e9),
  freeMemoryGb: Math.round(freemem() / 1e9),
  node: process.version,
  git: execFileSync('git', ['--version'], { encoding: 'utf8' }).trim(),
  /** 1/5/15-minute load averages when the bench started: other work on the machine skews timings. */
  loadAverage: loadavg().map((value) => Number(value.toFixed(1))),
};
/** Writes the results so far, so a run stopped part-way still leaves its figures. */
function save(finished: boolean): void {
  if (!flags.json) return;
  mkdirSync(dirname(flags.json), { recursive: true });
  const result = {
    runs,
    quick: flags.quick === true,
    shape: { params: 30, metrics: 20, series: 4, points: flags.points, mediaPercent: flags.media },
    machine,
    started: startedAt.toISOString(),
    ...(finished ? { finished: new Date().toISOString() } : { partial: true }),
    loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(1))),
    rows,
  };
  writeFileSync(flags.json, `${JSON.stringify(result, null, 2)}\n`);
}

// Sections left out with --only still get a row, so a results file says what it does not cover.
for (const section of SECTIONS) {
  const covered = only.has(section) || (section === 'build' && only.has('browser'));
  if (!covered) rows.push(notAvailable(section, 'all figures', '', `not run: --only ${flags.only ?? ''}`));
}

try {
  // 1. The data: N runs on a bare repository's `runs` branch, plus the demo config beside it.
  log(`generating ${runs} runs into ${repo} ...`);
  initBareRepo(repo);
  const baselines: Record<string, string> = {};
  let withMedia = 0;
  let mediaBytes = 0;
  const collect = async function* (source: Iterable<PreparedRun>): AsyncGenerator<PreparedRun> {
    for (const run of source) {
      if (run.record.tags.includes('baseline') && run.record.status === 'finished') baselines[run.record.project] ??= run.record.id;
      // Media on a share of the runs, made by the real logging and commit code (scripts/demo/media.ts).
      const media = flags.media > 0 ? await demoMedia(run, flags.seed, flags.media / 100) : undefined;
      if (!media) {
        yield run;
        continue;
      }
      withMedia++;
      mediaBytes += Buffer.byteLength(media.manifest) + Object.values(media.files).reduce((sum, bytes) => sum + bytes.length, 0);
      yield { ...run, files: { ...run.files, 'media.json': media.manifest }, media: media.files };
    }
  };
  const generating = performance.now();
  await importRuns(repo, 'runs', collect(generateDemoRuns(shape)), {
    message: `${runs} generated runs`,
    time: new Date(DEMO_END),
    onRun: (n) => n % 10_000 === 0 && log(`  ${n}/${runs}`),
  });
  rows.push(
    measured('setup', 'generate + fast-import', (performance.now() - generating) / 1000, 's', {
      note: `${runs} runs, 30 params, 20 metrics, 4x${flags.points} points`,
    }),
  );
  if (flags.media > 0) {
    rows.push(measured('media', 'runs with media', withMedia, 'runs', { note: `${flags.media}% of finished runs` }));
    rows.push(
      measured('media', 'media on the branch', mediaBytes / 1e6, 'MB', {
        note: `${withMedia > 0 ? Math.round(mediaBytes / withMedia / 1024) : 0} KB a run with media (media.json + display copies)`,
      }),
    );
  }
  writeFileSync(join(repo, 'runpages.config.yaml'), stringifyYaml(demoConfig(baselines)));

  save(false);

  // 2. Loading: the product's loader and index against git's own floor over the same blobs.
  if (only.has('load')) {
    log('load + index ...');
    const floors: number[] = [];
    for (let i = 0; i < repeats; i++) floors.push((await gitFloorSeconds(repo, 'runs')).seconds);
    const floor = floors.sort((a, b) => a - b)[Math.floor(floors.length / 2)] as number;
    rows.push(measured('load', 'raw floor: ls-tree -r + cat-file --batch', floor, 's'));
    const child = await runMeasured(process.execPath, [join(ROOT, 'scripts', 'bench', 'load-index.ts'), repo, 'runs', String(repeats)], {
      cwd: repo,
      env: childEnv,
    });
    if (child.code === 0) {
      const { seconds } = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as { seconds: number };
      rows.push(measured('load', 'load + index', seconds, 's', { reference: floor, limit: 3, note: `median of ${repeats}` }));
      if (child.maxRssMb !== undefined) rows.push(measured('load', 'load + index peak memory', child.maxRssMb, 'MB'));
    } else {
      rows.push(notAvailable('load', 'load + index', 's', tail(child.stderr)));
      if (child.maxRssMb !== undefined) rows.push(measured('load', 'load + index peak memory (until it failed)', child.maxRssMb, 'MB'));
    }
  }

  save(false);

  // 3-5. The site: full build, a bare Astro build of as many pages, an incremental build, output size.
  let built = false;
  if (only.has('build') || only.has('browser')) {
    // Each full build starts cold: no output folder, no cache.
    log(`runpages build (${repeats}x) ...`);
    const builds = await measureRepeatedly(
      () => {
        rmSync(site, { recursive: true, force: true });
        rmSync(join(repo, '.runpages'), { recursive: true, force: true });
      },
      [BIN, 'build', '--from', 'runs', '--out', site, '--json'],
      repo,
    );
    const build = medianRun(builds);
    const summary = build.code === 0 ? parseSummary(build) : undefined;
    if (summary?.media && flags.media > 0) {
      rows.push(
        measured('media', 'media on the site', summary.media.bytes / 1e6, 'MB', { limit: 300, note: `${summary.media.files} files; budget site.mediaBudget` }),
      );
      rows.push(measured('media', 'media left out of the site', summary.media.leftOut, 'media'));
    }
    if (!summary) {
      const reason = build.code === 0 ? 'build printed no JSON summary' : `runpages build failed: ${tail(build.stderr)}`;
      for (const metric of ['full build', 'incremental build', 'site size']) rows.push(notAvailable('build', metric, 's', reason));
    } else {
      built = true;
      log(`bare Astro build of ${summary.pages} pages ...`);
      const bare = join(work, 'bare-astro');
      writeBareAstroProject(bare, summary.pages);
      const bareBuilds = await measureRepeatedly(
        () => rmSync(join(bare, 'dist'), { recursive: true, force: true }),
        [ASTRO, 'build', '--root', bare, '--silent'],
        bare,
      );
      const astro = medianRun(bareBuilds);
      const reference = astro.code === 0 ? astro.seconds : null;
      if (astro.code !== 0) rows.push(notAvailable('build', 'bare Astro build', 's', tail(astro.stderr)));
      else {
        rows.push(measured('build', `bare Astro build (${summary.pages} pages)`, astro.seconds, 's', { note: `median of ${bareBuilds.length}` }));
        if (astro.maxRssMb !== undefined) rows.push(measured('build', 'bare Astro peak memory', astro.maxRssMb, 'MB'));
      }
      rows.push(
        measured('build', `full build (${summary.pages} pages)`, build.seconds, 's', {
          reference,
          limit: 3,
          note: `median of ${builds.length}, each from a cold cache`,
        }),
      );
      const peaks = builds.flatMap((result) => (result.maxRssMb === undefined ? [] : [result.maxRssMb]));
      if (peaks.length > 0)
        rows.push(
          measured('build', 'full build peak memory', Math.max(...peaks), 'MB', { ...(runs <= 20_000 ? { limit: 2048 } : {}), note: 'highest of the builds' }),
        );

      // From a folder (no git), cold and warm, on one core and on two: how the build's work spreads
      // over the cores (`taskset` pins the whole process; the pool sizes itself to what it is given).
      const folder = join(work, 'folder');
      exportFolder(repo, 'runs', folder);
      cpSync(join(repo, 'runpages.config.yaml'), join(folder, 'runpages.config.yaml'));
      const folderSite = join(work, 'folder-site');
      const folderCache = join(folder, '.runpages');
      const fromFolder = [BIN, 'build', '--from', 'runs', '--out', folderSite, '--json'];
      const cold = () => {
        rmSync(folderSite, { recursive: true, force: true });
        rmSync(folderCache, { recursive: true, force: true });
      };
      for (const cores of coreSets()) {
        log(`cold build from a folder on cores ${cores} ...`);
        const results = await measureRepeatedly(cold, ['-c', cores, process.execPath, ...fromFolder], folder, 'taskset');
        const result = medianRun(results);
        const metric = `cold build from a folder, ${cores.split(',').length} core${cores.includes(',') ? 's' : ''} (taskset -c ${cores})`;
        if (result.code !== 0) rows.push(notAvailable('build', metric, 's', tail(result.stderr)));
        else
          rows.push(
            measured('build', metric, result.seconds, 's', {
              reference,
              limit: 2.5,
              note: `median of ${results.length}${result.maxRssMb === undefined ? '' : `, peak ${Math.round(result.maxRssMb)} MB`}`,
            }),
          );
      }
      log('warm build from a folder (cache kept, nothing changed) ...');
      const warm = medianRun(await measureRepeatedly(() => rmSync(folderSite, { recursive: true, force: true }), fromFolder, folder));
      if (warm.code !== 0) rows.push(notAvailable('build', 'warm build from a folder', 's', tail(warm.stderr)));
      else
        rows.push(
          measured('build', 'warm build from a folder (runs, series and charts cached; pages rendered)', warm.seconds, 's', {
            reference,
            note: 'empty output folder',
          }),
        );
      const cacheBytes = folderBytes(folderCache);
      rows.push(measured('size', 'build cache (.runpages)', cacheBytes / 1e6, 'MB', { note: `${Math.round(cacheBytes / runs / 1024)} KB per run` }));
      rmSync(folderSite, { recursive: true, force: true });

      log('incremental build after one new run ...');
      await importRuns(repo, 'runs', generateDemoRuns({ ...shape, runs: 1, seed: `${flags.seed}-extra` }), {
        message: 'one more run',
        time: new Date(DEMO_END),
      });
      settleDisk();
      const again = await runMeasured(process.execPath, [BIN, 'build', '--from', 'runs', '--out', site, '--json'], { cwd: repo, env: childEnv });
      if (again.code === 0) {
        rows.push(measured('build', 'incremental build (+1 run)', again.seconds, 's', { reference, limit: 1.3 }));
        if (again.maxRssMb !== undefined) rows.push(measured('build', 'incremental build peak memory', again.maxRssMb, 'MB'));
      } else rows.push(notAvailable('build', 'incremental build (+1 run)', 's', tail(again.stderr)));

      const size = measureSite(site);
      rows.push(measured('size', 'whole site', size.total / 1e6, 'MB', { limit: runs >= 50_000 ? 1000 : 400, note: `${size.files} files` }));
      rows.push(measured('size', 'bytes per run', size.total / (runs + 1), 'B'));
      for (const [type, bucket] of Object.entries(size.byType).sort(([a], [b]) => a.localeCompare(b))) {
        rows.push(measured('size', type, bucket.bytes / 1e6, 'MB', { note: `${bucket.files} files` }));
      }
      const table = join(site, 'p', 'cifar-resnet', 'runs', 'index.html');
      if (existsSync(table))
        rows.push(measured('size', 'run table HTML (gzip)', gzipSize(table) / 1024, 'KB', { note: 'HTML only; the browser row counts everything fetched' }));
    }
  }

  save(false);

  // 6. The run table in Chromium, served with gzip on loopback.
  if (only.has('browser')) {
    if (!built) rows.push(notAvailable('browser', 'run table', 'ms', 'no site was built'));
    else if (!existsSync(CHROMIUM)) rows.push(notAvailable('browser', 'run table', 'ms', `${CHROMIUM} missing: apt-get install -y chromium`));
    else {
      log('run table in Chromium ...');
      const { server, url } = await serveStatic(site);
      try {
        const figures = await measureTable(`${url}/p/cifar-resnet/runs/`, {
          queries: ["metrics.`val/acc` > 0.9 and status = 'finished'", "params.model.arch = 'resnet50'"],
          word: 'otter',
        });
        rows.push(measured('browser', 'first table render', figures.firstRenderMs, 'ms', { limit: 1000 }));
        rows.push(measured('browser', 'run table initial transfer (gzip)', figures.initialTransferBytes / 1024, 'KB', { limit: 300 }));
        const limit = runs >= 50_000 ? 100 : 30;
        rows.push(
          typeof figures.filterSortMs === 'number'
            ? measured('browser', 'filter + sort (median of 20)', figures.filterSortMs, 'ms', { limit })
            : notAvailable('browser', 'filter + sort (median of 20)', 'ms', figures.filterSortMs),
        );
        rows.push(
          typeof figures.firstSearchMs === 'number'
            ? measured('browser', 'first search (lazy index load)', figures.firstSearchMs, 'ms', { note: 'includes the search box typing pause' })
            : notAvailable('browser', 'first search (lazy index load)', 'ms', figures.firstSearchMs),
        );
        const { sweeps } = figures;
        if (typeof sweeps === 'string') rows.push(notAvailable('browser', 'sweep view', 'ms', sweeps));
        else {
          const note = `${sweeps.lines.toLocaleString('en-US')} lines`;
          rows.push(measured('browser', 'sweep view open (code + columns + first draw)', sweeps.openMs, 'ms', { note }));
          rows.push(measured('browser', 'parallel coordinates draw', sweeps.drawMs, 'ms', { limit: 500, note }));
          rows.push(measured('browser', 'brush update (table + lines, median of 5)', sweeps.brushMs, 'ms', { limit: 50, note }));
          rows.push(
            typeof sweeps.importanceMs === 'number'
              ? measured('browser', 'parameter importance (boosted stumps)', sweeps.importanceMs, 'ms', {
                  note: 'after a brush, deferred off the brush update',
                })
              : notAvailable('browser', 'parameter importance (boosted stumps)', 'ms', sweeps.importanceMs),
          );
        }
      } catch (error) {
        rows.push(notAvailable('browser', 'run table', 'ms', (error as Error).message.split('\n')[0] ?? 'failed'));
      } finally {
        server.close();
      }
    }
  }

  save(false);

  // 7. Recording: log() overhead, one commit, many concurrent writers, all against local bare origins.
  if (only.has('recording')) {
    log('recording ...');
    const recording = join(work, 'recording');
    mkdirSync(recording);
    const origin = makeOrigin(recording);
    const calls = 1_000_000;
    try {
      const checkout = cloneOrigin(origin, join(recording, 'logger'));
      const { perCallUs, finishS } = await measureLog(checkout, calls);
      rows.push(measured('recording', 'run.log() per call (1M calls)', perCallUs, 'us', { limit: 2 }));
      rows.push(measured('recording', 'finish() after 1M points (downsample, commit, push)', finishS, 's'));
    } catch (error) {
      rows.push(notAvailable('recording', 'run.log() per call', 'us', (error as Error).message.split('\n')[0] ?? 'failed'));
    }
    // Python client (clients/python): the same 1M-point loop through the runpages package, then leaving its `with` block.
    try {
      const checkout = cloneOrigin(origin, join(recording, 'python'));
      const { perCallUs, finishS } = await measurePythonLog(checkout, calls);
      rows.push(measured('recording', 'Python run.log() per call (1M calls)', perCallUs, 'us', { limit: 5 }));
      rows.push(measured('recording', 'Python run finish after 1M points (flush, runpages commit)', finishS, 's'));
    } catch (error) {
      rows.push(notAvailable('recording', 'Python run.log() per call', 'us', (error as Error).message.split('\n')[0] ?? 'failed'));
    }
    try {
      const checkout = cloneOrigin(origin, join(recording, 'one'));
      const one = await measureOneCommit(checkout, origin);
      rows.push(
        measured('recording', 'commit one run to a local bare origin', one.seconds, 's', {
          limit: 1,
          note: `${one.via}, whole process${one.landed ? '' : '; the run did NOT land'}`,
        }),
      );
      const many = await measureConcurrentWriters(recording, origin, writers);
      rows.push(
        measured('recording', `${writers} concurrent writers, one run each (push budget off)`, many.seconds, 's', {
          limit: 60,
          note: `${many.landed}/${writers} landed, ${many.failed} exited non-zero (${many.via})`,
        }),
      );
    } catch (error) {
      rows.push(notAvailable('recording', 'commit', 's', (error as Error).message.split('\n')[0] ?? 'failed'));
    }
  }
  save(false);
} finally {
  if (!flags.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}

console.log(
  `runpages bench: ${runs} runs, ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB, Node ${machine.node}, load average ${machine.loadAverage.join(' ')} at start\n`,
);
console.log(formatTable(rows));
save(true);
if (flags.json) log(`wrote ${flags.json}`);

/**
 * Writes out what earlier steps left in the page cache, so a measured build does not pay for the
 * previous one's writes (a cold runpages build writes ~1 GB at 10k runs; a bare build measured
 * right after it was up to twice as slow).
 */
function settleDisk(): void {
  execFileSync('sync');
}

/**
 * Runs `node <args>` in `cwd` `repeats` times, each after `prepare` and a settled disk, stopping at
 * the first failure.
 */
async function measureRepeatedly(prepare: () => void, args: string[], cwd: string, command = process.execPath): Promise<ProcessResult[]> {
  const results: ProcessResult[] = [];
  for (let i = 0; i < repeats; i++) {
    prepare();
    settleDisk();
    const result = await runMeasured(command, args, { cwd, env: childEnv });
    results.push(result);
    if (result.code !== 0) break;
  }
  return results;
}

/** Writes the runs of `branch` into `dir` as a folder of runs (`dir/runs/...`), as a checkout would. */
function exportFolder(gitDir: string, branch: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', 'git --git-dir "$1" archive "$2" runs | tar -x -C "$3"', 'sh', gitDir, branch, dir]);
}

/** The processor sets to pin builds to: one core, then two (when the machine has them). */
function coreSets(): string[] {
  return cpus().length >= 2 ? ['0', '0,1'] : ['0'];
}

/** Total bytes of the files below `dir`, never following links (the cache links to node_modules). */
function folderBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += folderBytes(path);
    else if (entry.isFile()) bytes += statSync(path).size;
  }
  return bytes;
}

/** The run with the median wall time (a failed run, if any: it is the one to report). */
function medianRun(results: ProcessResult[]): ProcessResult {
  const failed = results.find((result) => result.code !== 0);
  if (failed) return failed;
  return [...results].sort((a, b) => a.seconds - b.seconds)[Math.floor(results.length / 2)] as ProcessResult;
}

/** The JSON summary `runpages build --json` prints (the last JSON object on stdout). */
function parseSummary(result: ProcessResult): { pages: number; media?: { files: number; bytes: number; leftOut: number } } | undefined {
  const start = result.stdout.indexOf('{');
  if (start < 0) return undefined;
  try {
    const summary = JSON.parse(result.stdout.slice(start)) as { pages?: unknown; media?: { files: number; bytes: number; leftOut: unknown[] } };
    if (typeof summary.pages !== 'number') return undefined;
    return {
      pages: summary.pages,
      ...(summary.media ? { media: { files: summary.media.files, bytes: summary.media.bytes, leftOut: summary.media.leftOut.length } } : {}),
    };
  } catch {
    return undefined;
  }
}
