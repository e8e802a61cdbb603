/**
 * Writes deterministic demo runs as a folder laid out like the `runs` branch's `runs/`
 * (`<out>/<project>/<yyyy-mm>/<run-id>/run.yaml` + `series.json`), and optionally the matching
 * `runpages.config.yaml`.
 *
 * With `--media`, about one finished run in ten also gets media (media.json + media/, see
 * scripts/demo/media.ts). The committed sample runs are made with:
 *
 *   sh scripts/with-node.sh node scripts/generate-demo.ts --out runs --runs 300 --config runpages.config.yaml --clean --media
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { stringifyYaml } from '../src/run/yaml.ts';
import { parseConfig } from '../src/config.ts';
import { runFolder } from '../src/run/prepared.ts';
import { demoConfig } from './demo/config.ts';
import { DEMO_PROJECTS, generateDemoRuns } from './demo/generate.ts';
import { demoMedia } from './demo/media.ts';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

const program = new Command('generate-demo')
  .description('Generate realistic, deterministic demo runs (cifar-resnet, llm-finetune, churn-tabular).')
  .option('--out <dir>', 'folder laid out like the branch runs/ folder', 'runs')
  .option('--runs <n>', 'total runs, mixed over the projects', count, 300)
  .option('--seed <seed>', 'random seed: same seed, same bytes', 'runpages-demo')
  .option('--points <n>', 'stored points per series (max 1000)', count, 200)
  .option('--params <n>', 'pad each run to at least n params (benchmark shape)', count)
  .option('--metrics <n>', 'pad each run to at least n summary metrics', count)
  .option('--series <n>', 'exactly n series per run', count)
  .option('--config <file>', 'also write the matching runpages.config.yaml here')
  .option('--clean', "delete the demo projects' folders under --out first")
  .option('--media', 'give about one finished run in ten images, confusion matrices, curves, tables or texts')
  .addHelpText('after', '\nExample:\n  node scripts/generate-demo.ts --out runs --runs 300 --config runpages.config.yaml --clean --media\n');
program.parse();
const options = program.opts<{
  out: string;
  runs: number;
  seed: string;
  points: number;
  params?: number;
  metrics?: number;
  series?: number;
  config?: string;
  clean?: boolean;
  media?: boolean;
}>();

if (options.points > 1000) program.error('--points must be at most 1000 (docs/design.md#run-record)');
if (options.clean) for (const project of DEMO_PROJECTS) rmSync(join(options.out, project), { recursive: true, force: true });

const baselines: Record<string, string> = {};
let written = 0;
let withMedia = 0;
for (const run of generateDemoRuns({
  runs: options.runs,
  seed: options.seed,
  points: options.points,
  ...(options.params === undefined ? {} : { params: options.params }),
  ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  ...(options.series === undefined ? {} : { series: options.series }),
})) {
  const { record } = run;
  if (record.tags.includes('baseline') && record.status === 'finished') baselines[record.project] ??= record.id;
  const dir = join(options.out, runFolder(record).slice('runs/'.length));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(run.files)) writeFileSync(join(dir, name), text);
  const media = options.media ? await demoMedia(run, options.seed) : undefined;
  if (media) {
    writeFileSync(join(dir, 'media.json'), media.manifest);
    mkdirSync(join(dir, 'media'), { recursive: true });
    for (const [name, bytes] of Object.entries(media.files)) writeFileSync(join(dir, 'media', name), bytes);
    withMedia++;
  }
  written++;
}
if (options.config) {
  const data = demoConfig(baselines);
  parseConfig(data, options.config);
  writeFileSync(options.config, stringifyYaml(data));
}
process.stderr.write(
  `wrote ${written} runs${options.media ? ` (${withMedia} with media)` : ''} to ${options.out}${options.config ? ` and ${options.config}` : ''}\n`,
);
