/**
 * The run table at 10k and 100k rows in Chromium, without a 100k-page site build: demo-shaped
 * cifar-resnet runs (30 params, 20 metrics) are turned into the table's data files and search index,
 * written beside a copy of a built site's cifar-resnet table page, and measured with the same
 * browser harness as `npm run bench` (first render, initial transfer, filter+sort median of 20,
 * first search), and the bytes per run of the table data, the search index and the compare page's
 * run lookup. Prints one line of JSON per size.
 *
 *   sh scripts/with-node.sh node scripts/generate-demo.ts --out /tmp/g --runs 300
 *   sh scripts/with-node.sh node bin/runpages.js build --from /tmp/g --out /tmp/site
 *   sh scripts/with-node.sh node scripts/bench/table-scale.ts --site /tmp/site --rows 10000,100000
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { buildRunLookup } from '../../src/index/run-lookup.ts';
import { buildSearchIndex } from '../../src/index/search.ts';
import { buildTable, idBlock } from '../../src/index/table.ts';
import type { RunRecord } from '../../src/run/schema.ts';
import { searchIndexPath } from '../../src/site/url.ts';
import { demoConfig } from '../demo/config.ts';
import { generateDemoRuns } from '../demo/generate.ts';
import { CHROMIUM, measureTable, serveStatic } from './browser.ts';

const program = new Command('table-scale')
  .description('Measure the run table page in Chromium at large row counts, on table data written into a built site.')
  .requiredOption('--site <dir>', 'a site built by runpages build from demo runs (has p/cifar-resnet/runs/)')
  .option('--rows <list>', 'row counts, comma-separated', '10000,100000')
  .addHelpText('after', '\nExample:\n  node scripts/bench/table-scale.ts --site /tmp/site --rows 10000,100000\n');
program.parse();
const options = program.opts<{ site: string; rows: string }>();

const PROJECT = 'cifar-resnet';
const template = readFileSync(join(options.site, 'p', PROJECT, 'runs', 'index.html'), 'utf8');
const config = demoConfig({}).projects![PROJECT]!;

for (const rows of options.rows.split(',').map(Number)) {
  const project = `scale-${rows}`;
  // cifar-resnet is about half of the demo's runs: generate a margin more than twice as many and keep that project's.
  const records: RunRecord[] = [];
  for (const run of generateDemoRuns({ runs: Math.ceil(rows * 2.2) + 100, seed: 'table-scale', points: 2, params: 30, metrics: 20, series: 1 })) {
    if (run.record.project !== PROJECT) continue;
    records.push({ ...run.record, project });
    if (records.length === rows) break;
  }
  const table = buildTable(records, {
    project,
    columns: config.columns,
    goal: config.goal ? { metric: config.goal.metric, direction: config.goal.direction ?? 'max' } : undefined,
    metrics: config.metrics,
  });
  const dir = join(options.site, 'p', project, 'runs');
  // Bytes on disk per kind of file, for the site's size budget (Pages allows 1 GB).
  const bytes = { table: 0, search: 0, lookup: 0 };
  const write = (path: string, body: string, kind: keyof typeof bytes = 'table') => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
    bytes[kind] += Buffer.byteLength(body);
  };
  write(join(dir, 'table', 'index.json'), JSON.stringify(table.index));
  table.index.idFiles.forEach((file, k) => write(join(dir, 'table', file), JSON.stringify(idBlock(table, k))));
  table.index.columns.forEach((info, i) => write(join(dir, 'table', info.file), JSON.stringify(table.columns[i])));
  write(join(options.site, searchIndexPath(project)), buildSearchIndex(records), 'search');
  // The compare page's lookup is site-wide; these runs' share of it, measured, not written.
  const lookup = buildRunLookup(records);
  bytes.lookup = JSON.stringify(lookup.manifest).length + [...lookup.shards.values()].reduce((sum, shard) => sum + JSON.stringify(shard).length, 0);
  write(
    join(dir, 'index.html'),
    template
      .replaceAll(`p/${PROJECT}/runs/table/index.json`, `p/${project}/runs/table/index.json`)
      .replaceAll(searchIndexPath(PROJECT), searchIndexPath(project)),
    'table',
  );

  const { server, url } = await serveStatic(options.site);
  try {
    const figures = await measureTable(`${url}/p/${project}/runs/`, {
      queries: ["metrics.`val/acc` > 0.9 and status = 'finished'", "params.model.arch = 'resnet50'"],
      word: 'otter',
    });
    const perRun = Object.fromEntries(Object.entries(bytes).map(([kind, n]) => [`${kind}BytesPerRun`, Math.round(n / records.length)]));
    console.log(JSON.stringify({ rows: records.length, chromium: CHROMIUM, ...figures, ...perRun }));
  } finally {
    server.close();
  }
}
