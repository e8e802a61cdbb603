/**
 * Times the loader on a folder of runs (no git), to compare YAML readers: the median of `repeats`
 * loads, run.yaml and series.json parsed and validated, series handed to a sink and dropped.
 *
 *   node scripts/bench/load-folder.ts <runs-folder> [repeats]
 */
import { loadRuns } from '../../src/index/load.ts';
import { runSource } from '../../src/index/source.ts';
import { median } from './report.ts';

const [from = 'runs', repeats = '3'] = process.argv.slice(2);
const samples: number[] = [];
// CPU time as well as wall time: on a shared machine the wall clock measures the neighbours.
const cpu: number[] = [];
let runs = 0;
for (let i = 0; i < Number(repeats); i++) {
  const started = performance.now();
  const usage = process.cpuUsage();
  const load = await loadRuns({ source: runSource(from, process.cwd(), 'runs'), cwd: process.cwd(), onSeries: () => {} });
  const used = process.cpuUsage(usage);
  samples.push((performance.now() - started) / 1000);
  cpu.push((used.user + used.system) / 1e6);
  runs = load.runs.length;
}
const round = (s: number) => Number(s.toFixed(3));
process.stdout.write(`${JSON.stringify({ seconds: round(median(samples)), cpuSeconds: round(median(cpu)), runs, samples: samples.map(round) })}\n`);
