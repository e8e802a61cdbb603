/**
 * Keys from run data never reach a prototype: a dotted param path through `__proto__`,
 * `constructor` or `prototype` is refused with a clear error (CLI `--param`, the TypeScript API's
 * `run.param`), and a param, metric or series literally named `constructor`, `toString`,
 * `__proto__` or `hasOwnProperty` is ordinary data everywhere: recorded, compared, built into the
 * site, shown on /compare/ in Chromium and in a saved comparison.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOverrides } from '../src/cli/run-options.ts';
import { startRun } from '../src/record/api.ts';
import { prepareRunDir } from '../src/record/run-dir.ts';
import { compareRuns } from '../src/report/compare.ts';
import { keyPath, setPath } from '../src/run/keys.ts';
import { RunRecordSchema } from '../src/run/schema.ts';
import type { PreviewServer } from '../src/site/preview.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { runCli } from './helpers/cli.ts';
import { makeTestRepo, tempDir } from './helpers/git.ts';

const DANGEROUS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];
const PATH_KEYS = ['__proto__', 'constructor', 'prototype'];
/** Names kept as ordinary data everywhere (`__proto__` is refused at record time, dropped by the loader). */
const DATA_KEYS = DANGEROUS.filter((key) => key !== '__proto__');

/** Object.prototype as it must stay: no own property beyond the built-in ones. */
const BUILTIN = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(BUILTIN);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
}

describe('dotted key paths', () => {
  it('refuses __proto__, constructor and prototype anywhere in a path, and nothing is polluted (property)', () => {
    const segment = fc.oneof(fc.constantFrom(...DANGEROUS), fc.stringMatching(/^[a-z_]{1,6}$/));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.jsonValue(), (segments, value) => {
        const path = segments.join('.');
        const target: Record<string, unknown> = {};
        if (segments.some((s) => PATH_KEYS.includes(s))) {
          expect(() => keyPath(path, '--param')).toThrow(/cannot be part of a dotted key path/);
          expect(() => runOverrides({ param: [`${path}=1`] })).toThrow(/cannot be part of a dotted key path/);
        } else {
          setPath(target, keyPath(path, '--param'), value);
          // The value is where the path says, as own properties all the way down.
          let level: unknown = target;
          for (const s of segments.slice(0, -1)) {
            expect(Object.hasOwn(level as object, s)).toBe(true);
            level = (level as Record<string, unknown>)[s];
          }
          expect(Object.hasOwn(level as object, segments.at(-1)!)).toBe(true);
        }
        expectPrototypeClean();
      }),
    );
  });
});

describe('recording keys named like Object.prototype members', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('runpages-proto-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps them as data in params.yaml, summary.json and metrics.jsonl, and refuses them in --param paths', async () => {
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'run.yaml'), 'name: protos\nproject: p\n');
    writeFileSync(join(run, 'params.yaml'), `${DATA_KEYS.map((k) => `${JSON.stringify(k)}: {inner: ${JSON.stringify(k)}}`).join('\n')}\n`);
    writeFileSync(join(run, 'summary.json'), JSON.stringify(Object.fromEntries(DATA_KEYS.map((k, i) => [k, i]))));
    writeFileSync(
      join(run, 'metrics.jsonl'),
      [0, 1].map((step) => JSON.stringify({ step, ...Object.fromEntries(DATA_KEYS.map((k, i) => [k, i + step])) })).join('\n'),
    );
    const prepared = await prepareRunDir(run, { params: { 'ok.lr': '0.1' } }, { cwd: dir, now: () => new Date('2026-11-01T00:00:00Z') });
    const record = prepared.record;
    for (const [i, key] of DATA_KEYS.entries()) {
      expect(Object.hasOwn(record.params, key), key).toBe(true);
      expect((record.params[key] as Record<string, unknown>).inner).toBe(key);
      expect(Object.hasOwn(record.metrics, key), key).toBe(true);
      expect(record.series[key]?.points, key).toBe(2);
      expect(record.metrics[key], key).toBe(i);
    }
    expectPrototypeClean();
    for (const key of PATH_KEYS) {
      await expect(prepareRunDir(run, { params: { [`${key}.polluted`]: '1' } }, { cwd: dir })).rejects.toThrow(/cannot be part of a dotted key path/);
      await expect(prepareRunDir(run, { params: { [`a.${key}.polluted`]: '1' } }, { cwd: dir })).rejects.toThrow(/cannot be part of a dotted key path/);
    }
    expectPrototypeClean();
  });

  it.each(['params.yaml', 'summary.json', 'metrics.jsonl'])('refuses "__proto__" as a name in %s with a clear error, instead of losing it', async (file) => {
    const run = join(dir, `proto-${file}`);
    mkdirSync(run);
    writeFileSync(join(run, 'run.yaml'), 'name: protos\nproject: p\n');
    const content = {
      'params.yaml': '__proto__: {polluted: 1}\nmodel: {__proto__: {isAdmin: true}}\n',
      'summary.json': '{"__proto__": 1}',
      'metrics.jsonl': '{"step": 0, "__proto__": 1}\n',
    }[file]!;
    writeFileSync(join(run, file), content);
    await expect(prepareRunDir(run, {}, { cwd: dir, now: () => new Date('2026-11-01T00:00:00Z') })).rejects.toThrow(/__proto__/);
    expectPrototypeClean();
  });

  it('compares runs whose params, metrics and series have those names, value for value', () => {
    const record = (id: string, offset: number) =>
      RunRecordSchema.parse({
        schema: 'runpages/run@1',
        id,
        project: 'p',
        name: id,
        status: 'finished',
        created: '2026-11-01T00:00:00Z',
        params: Object.fromEntries(DATA_KEYS.map((k, i) => [k, i + offset])),
        metrics: Object.fromEntries(DATA_KEYS.map((k, i) => [k, i + offset])),
        series: Object.fromEntries(DATA_KEYS.map((k) => [k, { points: 2, stored: 2 }])),
        env: { runtimes: Object.fromEntries(DATA_KEYS.map((k) => [k, String(offset)])) },
      });
    const series = Object.fromEntries(DATA_KEYS.map((k) => [k, { step: [0, 1], value: [1, 2] }]));
    // A run without these names must read as "no value", not as the inherited function.
    const bare = RunRecordSchema.parse({ schema: 'runpages/run@1', id: 'C', project: 'p', name: 'C', status: 'finished', created: '2026-11-01T00:00:00Z' });
    const sparse = compareRuns([
      { record: record('A', 0), series },
      { record: bare, series: {} },
    ]);
    expect(sparse.metrics.map((m) => m.cells[1]?.value)).toEqual(DATA_KEYS.map(() => undefined));
    expect(sparse.series.map((s) => s.lines.length)).toEqual(DATA_KEYS.map(() => 1));
    expect(sparse.params.map((row) => row.values[1])).toEqual(DATA_KEYS.map(() => undefined));
    const comparison = compareRuns([
      { record: record('A', 0), series },
      { record: record('B', 1), series },
    ]);
    expect(comparison.metrics.map((m) => m.key).sort()).toEqual([...DATA_KEYS].sort());
    for (const row of comparison.metrics) expect(row.cells.map((c) => c.value)).toEqual([DATA_KEYS.indexOf(row.key), DATA_KEYS.indexOf(row.key) + 1]);
    expect(comparison.params.every((row) => row.differs)).toBe(true);
    expect(comparison.series.map((s) => [s.key, s.lines.length])).toEqual([...DATA_KEYS].sort().map((k) => [k, 2]));
    expect(comparison.why.env.map((row) => row.key).sort()).toEqual(DATA_KEYS.map((k) => `runtimes.${k}`).sort());
    expectPrototypeClean();
  });

  it('the TypeScript API refuses a param path through a prototype and keeps a plain one as data', async () => {
    const repo = makeTestRepo();
    try {
      const run = await startRun({
        project: 'p',
        name: 'api',
        cwd: repo.dir,
        dir: join(repo.dir, 'api-run'),
        params: JSON.parse('{"__proto__": {"isAdmin": true}}') as Record<string, unknown>,
      });
      for (const key of ['__proto__.isAdmin', 'constructor.prototype.isAdmin', 'a.__proto__.isAdmin', 'prototype.x']) {
        expect(() => run.param(key, true), key).toThrow(/cannot be part of a dotted key path/);
      }
      run.param('toString', 'data');
      run.param('hasOwnProperty.deep', 1);
      expectPrototypeClean();
    } finally {
      repo.cleanup();
    }
  });

  it('`runpages record --param __proto__.polluted=1` is refused with a clear error and records nothing', async () => {
    const repo = makeTestRepo();
    try {
      for (const key of PATH_KEYS) {
        const result = await runCli(['record', '--param', `${key}.polluted=1`, '--', 'true'], { cwd: repo.dir });
        expect(result.code, result.stderr).not.toBe(0);
        expect(result.stderr).toContain('cannot be part of a dotted key path');
        expect(result.stderr).toContain('hint');
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(existsSync(join(repo.dir, '.runpages', 'runs'))).toBe(false);
    } finally {
      repo.cleanup();
    }
  });
});

describe('a site with series named like Object.prototype members', () => {
  const FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;
  const IDS = ['01JP0AAAAA000000000000000A', '01JP0BBBBB000000000000000B'];
  let work: string;
  let server: PreviewServer;
  let browser: Browser;
  let build: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    work = tempDir('runpages-proto-site-');
    cpSync(FIXTURE, work, { recursive: true });
    IDS.forEach((id, r) => {
      const folder = join(work, 'runs', 'mnist', '2026-11', id);
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, 'run.yaml'),
        stringify({
          schema: 'runpages/run@1',
          id,
          name: `proto-${r}`,
          project: 'mnist',
          status: 'finished',
          created: `2026-11-0${r + 2}T10:00:00Z`,
          params: Object.fromEntries(DANGEROUS.map((k, i) => [k, i + r])),
          // The second run logs none of them: reading its series by these names must find nothing.
          metrics: r === 0 ? Object.fromEntries(DANGEROUS.map((k, i) => [k, i])) : { other: 1 },
          series: r === 0 ? Object.fromEntries(DANGEROUS.map((k) => [k, { points: 3, stored: 3, last: 3 }])) : { other: { points: 3, stored: 3, last: 3 } },
          tags: DANGEROUS,
        }),
      );
      writeFileSync(
        join(folder, 'series.json'),
        JSON.stringify({
          schema: 'runpages/series@1',
          series: Object.fromEntries((r === 0 ? DANGEROUS : ['other']).map((k, i) => [k, { step: [0, 1, 2], value: [1 + r, 2 + i, 3] }])),
        }),
      );
    });
    // The runs on the branch hold every name, __proto__ included (the loader drops that one).
    writeFileSync(join(work, 'comparisons', 'protos.yaml'), stringify({ title: 'Prototype names', runs: IDS, columns: DATA_KEYS }));
    build = await runCli(['build', '--from', 'runs', '--out', 'site'], { cwd: work });
    if (build.code === 0) {
      server = await serveSite(join(work, 'site'));
      browser = await launchBrowser();
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds, saved comparison included', () => {
    expect(build.code, build.stderr).toBe(0);
    const saved = readFileSync(join(work, 'site', 'c', 'protos', 'index.html'), 'utf8');
    for (const key of DATA_KEYS) expect(saved, key).toContain(key);
  });

  it('draws every such series on /compare/ in Chromium, with no console errors', async () => {
    const errors: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    collectErrors(page, { into: errors, label: 'compare' });
    await page.goto(new URL(`compare/?runs=${IDS.join(',')}`, server.url).href);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-status]')?.hidden === true);
    expect(await page.isVisible('[data-content]')).toBe(true);
    const metricRows = await page.$$eval('tr[data-metric]', (rows) => rows.map((row) => (row as HTMLElement).dataset.metric));
    expect([...metricRows].sort()).toEqual([...DATA_KEYS, 'other'].sort());
    const charted = await page.$$eval('[data-charts] figure[data-series]', (figures) => figures.map((f) => (f as HTMLElement).dataset.series));
    const listed = (await page.textContent('[data-charts]')) ?? '';
    for (const key of DATA_KEYS) expect(charted.includes(key) || listed.includes(key), key).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
