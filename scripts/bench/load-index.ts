/**
 * Child process of the benchmark: loads and indexes the runs of `<cwd>`'s `runs` branch with the
 * product's own loader, `repeats` times, and prints the median seconds as JSON. A separate process so
 * GNU time sees its peak memory and a 100k-run load cannot take the harness down with it.
 *
 *   node scripts/bench/load-index.ts <repo> <branch> <repeats>
 */
import { loadConfig } from '../../src/config.ts';
import { loadRuns } from '../../src/index/load.ts';
import { buildIndex } from '../../src/index/run-index.ts';
import { median } from './report.ts';

const [cwd = '.', branch = 'runs', repeats = '1'] = process.argv.slice(2);
const config = loadConfig(cwd);
const samples: number[] = [];
let runs = 0;
let points = 0;
for (let i = 0; i < Number(repeats); i++) {
  const started = performance.now();
  // Series are parsed here and handed to a sink, never kept (the build hands series.json to a worker
  // thread instead, so this is the upper bound of its main thread's work).
  const load = await loadRuns({ source: { branch }, cwd, onSeries: (_run, file) => void (points += Object.keys(file.series).length) });
  buildIndex(load, config);
  samples.push((performance.now() - started) / 1000);
  runs = load.runs.length;
}
process.stdout.write(`${JSON.stringify({ seconds: median(samples), runs, seriesPerLoad: points / samples.length })}\n`);
