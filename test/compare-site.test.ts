/**
 * The comparison and summary pages as built by `runpages build` from test/fixtures/compare-site/
 * (a goal config, a saved comparison, runs with known values), asserted on the HTML.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDataShardCount, unpackSeries } from '../src/report/compare-data.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { checkLinks } from './helpers/links.ts';
import { sharedSite } from './helpers/shared-site.ts';

const FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;
const BASE = '/models/';
const NOW = '2026-11-22T00:00:00Z';
let out: string;

beforeAll(async () => {
  // The summary counts "the last 7 days" from the build's clock: pinned, so the test never depends on today.
  const site = await sharedSite('compare-site', ['--base', BASE, '--now', NOW]);
  expect(site.build.stderr).not.toMatch(/warning|error/i);
  expect(site.build.code).toBe(0);
  out = site.out;
}, 400_000);

function page(path: string): Document {
  return parseHTML(readFileSync(join(out, path, 'index.html'), 'utf8')).document as unknown as Document;
}

function text(node: Element | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** The per-run values of one row of the "why do these differ" panel, e.g. `mnist`. */
function whyRow(doc: Document, key: string): string[] {
  const item = [...doc.querySelectorAll('.cmp-why li')].find((li) => li.querySelector(':scope > code')?.textContent === key);
  return [...(item?.querySelectorAll('li') ?? [])].map((li) => text(li));
}

function meta(doc: Document, property: string): string | null | undefined {
  return doc.querySelector(`meta[property="${property}"], meta[name="${property}"]`)?.getAttribute('content');
}

const HEADLINE =
  'The best model reaches 94.1 % validation accuracy (run brave-otter-12), 0.9 points short of the 95.0 % target and 3.2 points above the baseline (run calm-fox-1).';

describe('the stakeholder summary /p/<project>/', () => {
  it('states the best value, target gap and baseline change, also in the link preview', () => {
    const doc = page('p/mnist');
    expect(text(doc.querySelector('[data-headline]'))).toBe(HEADLINE);
    expect(meta(doc, 'og:description')).toBe(HEADLINE);
    expect(meta(doc, 'description')).toBe(HEADLINE);
    expect(text(doc.querySelector('title'))).toBe('MNIST digits · Acme models');
    expect(text(doc.querySelector('.cmp-sentences'))).toBe(
      'As of 22 Nov 2026, 00:00 UTC: Up 1.1 points from the best a week earlier (93.0 %, run quiet-lynx-7). 2 runs in the last 7 days by bob and carol (4 runs in all).',
    );
  });

  it('shows best-so-far as an SVG with the target line, and a leaderboard with the params that matter', () => {
    const doc = page('p/mnist');
    const chart = doc.querySelector('#progress')?.parentElement?.querySelector('svg');
    expect(chart?.getAttribute('aria-label')).toBe('Best Validation accuracy over time');
    expect(chart?.textContent).toContain('target 95.0 %');
    const rows = [...doc.querySelectorAll('[data-leaderboard] tbody tr')].map((row) => [...row.children].map((cell) => text(cell)));
    expect(rows.map((row) => row.slice(0, 6))).toEqual([
      ['1', 'brave-otter-12', '94.1 %', '128', '0.003', '6'],
      ['2', 'quiet-lynx-7', '93.0 %', '64', '0.003', '6'],
      ['3', 'calm-fox-1', '90.9 %', '64', '0.01', '4'],
    ]);
    expect([...doc.querySelectorAll('[data-leaderboard] thead th')].map((th) => text(th))).toEqual([
      '#',
      'Run',
      'Validation accuracy',
      'batch',
      'lr',
      'model.depth',
      'By',
      'Date',
    ]);
  });

  it('says what changed from the baseline to the best run', () => {
    const doc = page('p/mnist');
    expect([...doc.querySelectorAll('[data-param-changes] li')].map((li) => text(li))).toEqual(['batch: 64 → 128', 'lr: 0.01 → 0.003', 'model.depth: 4 → 6']);
    const why = text(doc.querySelector('.cmp-why'));
    expect(why).toContain('uncommitted changes');
    expect(whyRow(doc, 'mnist')).toEqual(['calm-fox-1: version 2, sha256 222222222222', 'brave-otter-12: version 3, sha256 333333333333']);
    const compare = doc.querySelector(
      `a[href="${BASE}compare/?runs=01JC1AAAAA000000000000000A,01JC2CCCCC000000000000000C&baseline=01JC1AAAAA000000000000000A"]`,
    );
    expect(text(compare)).toBe('Full comparison');
  });

  it('chooses a goal when none is configured, and says so', () => {
    const doc = page('p/cifar');
    expect(text(doc.querySelector('[data-headline]'))).toBe(
      'The best model reaches a test/acc of 0.85 (run shy-crane-5), 0.05 above the baseline (run bold-hawk-2).',
    );
    expect(text(doc.querySelector('.cmp-note'))).toContain('No goal is configured for this project, so runs are ranked by test/acc (higher is better).');
  });
});

describe('the saved comparison /c/<slug>/', () => {
  const title = 'Lower learning rate and deeper model';

  it('has a title, a headline in the link preview and the narrative', () => {
    const doc = page('c/lr-sweep');
    expect(text(doc.querySelector('h1'))).toBe(title);
    expect(text(doc.querySelector('title'))).toBe(`${title} · Acme models`);
    const headline = '3 runs compared against calm-fox-1; brave-otter-12 is best on validation accuracy: 94.1 %, +3.2 pt against the baseline.';
    expect(text(doc.querySelector('.cmp-headline'))).toBe(headline);
    expect(meta(doc, 'og:description')).toBe(headline);
    expect(doc.querySelector('.cmp-narrative strong')?.textContent).toBe('0.003');
  });

  it('shows metric deltas against the baseline, coloured by the goal direction', () => {
    const doc = page('c/lr-sweep');
    const row = (metric: string) => [...doc.querySelectorAll(`tr[data-metric="${metric}"] td`)];
    const acc = row('val/acc');
    expect(acc.map((td) => text(td.querySelector('.cmp-value')))).toEqual(['90.9 %', '93.0 %', '94.1 %']);
    expect(acc.map((td) => text(td.querySelector('.cmp-delta')))).toEqual(['', '+2.1 pt (+2.3 %)', '+3.2 pt (+3.5 %)']);
    expect(acc.map((td) => td.classList.contains('cmp-better'))).toEqual([false, true, true]);
    const loss = row('val/loss');
    expect(loss.map((td) => text(td.querySelector('.cmp-delta')))).toEqual(['', '-0.07 (-22.6 %)', '-0.10 (-32.3 %)']);
    // Lower loss is better: the negative deltas are improvements.
    expect(loss.map((td) => td.classList.contains('cmp-better'))).toEqual([false, true, true]);
    expect(loss[2]?.classList.contains('cmp-best')).toBe(true);
    // Only the chosen columns, in order.
    expect([...doc.querySelectorAll('tr[data-metric]')].map((tr) => tr.getAttribute('data-metric'))).toEqual(['val/acc', 'val/loss']);
  });

  it('highlights the params that differ and the cells that differ from the baseline', () => {
    const doc = page('c/lr-sweep');
    const rows = [...doc.querySelectorAll('.cmp-params tbody tr')].map((tr) => ({
      key: text(tr.querySelector('th')),
      differs: tr.classList.contains('cmp-differs'),
      changed: [...tr.querySelectorAll('td')].map((td) => td.classList.contains('cmp-changed')),
    }));
    expect(rows).toEqual([
      { key: 'batch', differs: true, changed: [false, false, true] },
      { key: 'lr', differs: true, changed: [false, true, true] },
      { key: 'model.depth', differs: true, changed: [false, true, true] },
      { key: 'model.width', differs: false, changed: [false, false, false] },
    ]);
    expect(text(doc.querySelector('#params'))).toContain('3 of 4 params differ.');
  });

  it('is complete without JavaScript: overlaid curves as SVG, why-differs panel with the GitHub compare link', () => {
    const doc = page('c/lr-sweep');
    const svg = doc.querySelector('.cmp-chart svg[aria-label]');
    expect(svg?.getAttribute('aria-label')).toBe('Validation loss by step for calm-fox-1, quiet-lynx-7, brave-otter-12');
    expect(doc.querySelectorAll('.cmp-chart svg [aria-label="line"] path').length).toBe(3);
    const links = [...doc.querySelectorAll('.cmp-why a')].map((a) => a.getAttribute('href'));
    expect(links).toContain(`https://github.com/acme/mnist/compare/${'a'.repeat(40)}...${'c'.repeat(40)}`);
    // The dirty run's diff, linked through the store's public URL.
    expect(links).toContain(`https://objects.example.com/acme/sha256/dd/${'d'.repeat(62)}`);
    expect(whyRow(doc, 'runtimes.python')).toEqual(['calm-fox-1: 3.11.7', 'quiet-lynx-7: 3.11.7', 'brave-otter-12: 3.12.1']);
  });
});

describe('the list of saved comparisons /c/', () => {
  it('links each saved comparison with its headline', () => {
    const doc = page('c');
    const item = doc.querySelector('.cmp-list li');
    expect(item?.querySelector('a')?.getAttribute('href')).toBe(`${BASE}c/lr-sweep/`);
    expect(text(item?.querySelector('p'))).toBe(
      '3 runs compared against calm-fox-1; brave-otter-12 is best on validation accuracy: 94.1 %, +3.2 pt against the baseline.',
    );
  });

  it('is reachable from the home page and from the pages of the projects whose runs it compares', () => {
    const links = (path: string) => [...page(path).querySelectorAll('.saved-list a')].map((a) => [a.getAttribute('href'), text(a)]);
    expect(links('')).toEqual([[`${BASE}c/lr-sweep/`, 'Lower learning rate and deeper model']]);
    expect(links('p/mnist')).toEqual([[`${BASE}c/lr-sweep/`, 'Lower learning rate and deeper model']]);
    expect(links('p/cifar')).toEqual([]);
  });
});

describe('a saved comparison as CSV', () => {
  it('is written at build time with metrics, deltas against the baseline and params, one column per run', () => {
    const csv = readFileSync(join(out, 'c/lr-sweep/comparison.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^kind,key,label,calm-fox-1 \(01JC1A\w+\) \[baseline\],quiet-lynx-7 \(01JC1B\w+\),brave-otter-12 \(01JC2C\w+\)$/);
    expect(csv).toContain('metric,val/acc,Validation accuracy,0.909,0.93,0.941');
    expect(csv.find((line) => line.startsWith('delta,val/acc,'))).toMatch(/^delta,val\/acc,Validation accuracy minus the baseline,,0\.02\d*,0\.03\d*$/);
    expect(csv.some((line) => line.startsWith('param,lr,,'))).toBe(true);
    expect(page('c/lr-sweep').querySelector('a[download]')?.getAttribute('href')).toBe(`${BASE}c/lr-sweep/comparison.csv`);
  });
});

describe('data for the ad hoc comparison', () => {
  it('lists every run id for prefix resolution and writes compact per-run data', () => {
    // A manifest of shards (ids sorted, names sorted): the page loads only those a reference needs.
    const manifest = JSON.parse(readFileSync(join(out, 'compare/runs.json'), 'utf8'));
    expect(manifest).toMatchObject({ schema: 'runpages/run-lookup@1', count: 6, ids: [{ first: '01JC1AAAAA000000000000000A', file: 'ids/0.json' }] });
    const runs = JSON.parse(readFileSync(join(out, 'compare', manifest.ids[0].file), 'utf8'));
    expect(runs.ids).toHaveLength(6);
    expect(runs.names[runs.ids.indexOf('01JC2CCCCC000000000000000C')]).toBe('brave-otter-12');
    const byName = JSON.parse(readFileSync(join(out, 'compare', manifest.names[0].file), 'utf8'));
    expect(byName.names).toEqual([...byName.names].sort());
    // Run data in shards found from the id and the run count alone: six runs fit one shard.
    expect(runDataShardCount(manifest.count)).toBe(1);
    const shard = JSON.parse(readFileSync(join(out, 'compare/data/0.json'), 'utf8'));
    expect(shard.schema).toBe('runpages/run-data-shard@1');
    expect(Object.keys(shard.runs)).toHaveLength(6);
    const data = shard.runs['01JC2CCCCC000000000000000C'];
    expect(data.schema).toBe('runpages/compare-data@1');
    expect(data.record.metrics).toEqual({ 'val/acc': 0.941, 'val/loss': 0.21 });
    expect(unpackSeries(data.series['val/loss']).step).toEqual([0, 100, 200, 300, 400]);
  });

  it('links every page under the base path, with nothing broken', () => {
    const { broken, checked } = checkLinks(out, BASE);
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });
});

describe('invalid saved comparisons', () => {
  it('fail the build with the file, the field and a hint; one whose runs no longer resolve is left out', async () => {
    const dir = tempDir('runpages-bad-comparison-');
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      writeFileSync(join(dir, 'comparisons/bad.yaml'), 'runs: [01JC1A]\ncolour: red\n');
      const result = await runCli(['build', '--from', 'runs', '--out', join(dir, 'site')], { cwd: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('comparisons/bad.yaml: field "title" is required but missing');
      expect(result.stderr).toContain('comparisons/bad.yaml: field "runs" must list at least two runs');
      expect(result.stderr).toContain(
        'comparisons/bad.yaml: field "colour" is not a field of a saved comparison (fields: schema, title, description, runs, baseline, columns, narrative)',
      );
      expect(result.stderr).toContain('hint');
      // A prefix that became ambiguous as runs were added is the data's doing, not the file's: the
      // build goes on without that comparison, warns, and lists it on /report/.
      writeFileSync(join(dir, 'comparisons/bad.yaml'), 'title: Ambiguous\nruns: [01JC1, 01JC2C]\n');
      const ambiguous = await runCli(['build', '--from', 'runs', '--out', join(dir, 'site')], { cwd: dir });
      expect(ambiguous.code, ambiguous.stderr).toBe(0);
      const reason = 'comparisons/bad.yaml: "01JC1" matches 2 runs: 01JC1AAAAA000000000000000A, 01JC1BBBBB000000000000000B.';
      expect(ambiguous.stderr).toContain(`left out the saved comparison ${reason}`);
      expect(existsSync(join(dir, 'site', 'c', 'bad'))).toBe(false);
      const report = parseHTML(readFileSync(join(dir, 'site', 'report', 'index.html'), 'utf8')).document;
      expect(report.querySelector('table.skipped-comparisons .reason')?.textContent).toBe(reason);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
