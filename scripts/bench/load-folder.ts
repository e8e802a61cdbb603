/**
 * Times the loader on a folder of runs (no git), to compare YAML readers: the median of `repeats`
 * loads, run.yaml and series.json parsed and validated, series handed to a sink and dropped.
 *
 *   node scripts/bench/load-folder.ts <runs-folder> [repeats]
 */
import { loadRuns } from '../../src/index/load.ts';
import { median } from './report.ts';

const [from = 'runs', repeats = '3'] = process.argv.slice(2);
const samples: number[] = [];
let runs = 0;
for (let i = 0; i < Number(repeats); i++) {
  const started = performance.now();
  const load = await loadRuns({ from, cwd: process.cwd(), onSeries: () => {} });
  samples.push((performance.now() - started) / 1000);
  runs = load.runs.length;
}
process.stdout.write(`${JSON.stringify({ seconds: Number(median(samples).toFixed(3)), runs, samples: samples.map((s) => Number(s.toFixed(3))) })}\n`);
