/**
 * Bounded reads of every input: one file must never stop every build or command. Each class of
 * hostile input (alias bombs, giant or deep files, symbolic links out of the runs folder, secrets in
 * unparseable files, saved comparisons whose runs no longer resolve, deeply nested queries) is
 * refused with a reason naming the file, the limit and the value, and the rest goes on. One real
 * build of a folder holding one of each, plus good runs and a recorded run with tricky string params,
 * checks it end to end; the rest are pure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery, MAX_QUERY_DEPTH } from '../src/query/parser.ts';
import { readSavedComparisonFiles } from '../src/index/comparisons.ts';
import {
  MAX_KEY_LENGTH,
  MAX_NESTING_DEPTH,
  MAX_POINTS_PER_SERIES,
  MAX_RUN_YAML_BYTES,
  MAX_SERIES_JSON_BYTES,
  MAX_SERIES_PER_RUN,
  MAX_STRING_LENGTH,
  MAX_VALUES,
} from '../src/run/limits.ts';
import { parseSeriesText } from '../src/run/parse-text.ts';
import { RUN_SCHEMA } from '../src/run/schema.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml, stringifyYaml } from '../src/run/yaml.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';
import { listFiles } from './helpers/site.ts';

/** A credential that must never reach a page or the report, whatever file holds it. */
const TOKEN = 'ghp_R3allyS3cretT0kenThatMustNeverLeak0000';
const PAGE_BOUND_BYTES = 3 * 1024 * 1024;

const base = (id: string, project = 'bad') => ({
  schema: RUN_SCHEMA,
  id,
  name: id,
  project,
  status: 'finished',
  created: '2026-11-20T10:00:00Z',
  metrics: { acc: 0.5 },
});
const recordYaml = (id: string, extra: Record<string, unknown> = {}, project = 'bad') => stringifyYaml({ ...base(id, project), ...extra });
const header = (id: string) => recordYaml(id).trimEnd();
const nine = (name: string) => `[${Array(9).fill(name).join(',')}]`;
const BOMB_LEVELS = [
  'a: &a [x,x,x,x,x,x,x,x,x]',
  ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} ${nine(`*${'abcdefgh'[i]}`)}`),
  `i: ${nine('*h')}`,
];
const seriesJson = (series: Record<string, { step: number[]; value: number[] }>) => JSON.stringify({ schema: 'runpages/series@1', series });

/** The hostile runs of the build: folder under bad/2026-11/, what to write, and the reason expected on /report/. */
interface HostileRun {
  id: string;
  write: (folder: string, outside: string) => void;
  reason: string | RegExp;
}

const hostile: HostileRun[] = [
  {
    id: 'alias-bomb',
    write: (folder) => writeFileSync(join(folder, 'run.yaml'), `${header('alias-bomb')}\n${BOMB_LEVELS.join('\n')}\n`),
    reason: 'expands more than 100 aliases',
  },
  {
    id: 'run-yaml-too-large',
    write: (folder) => writeFileSync(join(folder, 'run.yaml'), `${header('run-yaml-too-large')}\nnotes: "${'x'.repeat(MAX_RUN_YAML_BYTES)}"\n`),
    reason: /run\.yaml: is 4\.0 MB, over the limit of 4 MB, so it is not read/,
  },
  {
    id: 'many-keys',
    write: (folder) => {
      const lines = Array.from({ length: MAX_VALUES + 10 }, (_, i) => `  k${i}: 0`);
      writeFileSync(join(folder, 'run.yaml'), `${header('many-keys')}\nparams:\n${lines.join('\n')}\n`);
    },
    reason: 'holds more than 200,000 keys and values, the limit',
  },
  {
    id: 'deep-params',
    write: (folder) => {
      const levels = Array.from({ length: MAX_NESTING_DEPTH + 5 }, (_, i) => `${' '.repeat(i + 2)}a:`).join('\n');
      writeFileSync(join(folder, 'run.yaml'), `${header('deep-params')}\nparams:\n${levels} 1\n`);
    },
    reason: 'nests deeper than 600 levels, the limit',
  },
  {
    id: 'deep-flow',
    write: (folder) => writeFileSync(join(folder, 'run.yaml'), `${header('deep-flow')}\nparams:\n  deep: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`),
    reason: 'nests too deeply to read',
  },
  {
    id: 'long-key',
    write: (folder) => writeFileSync(join(folder, 'run.yaml'), recordYaml('long-key', { params: { ['k'.repeat(MAX_KEY_LENGTH + 1)]: 1 } })),
    reason: 'has a key of 1,001 characters, over the limit of 1,000',
  },
  {
    id: 'long-string',
    write: (folder) => writeFileSync(join(folder, 'run.yaml'), recordYaml('long-string', { notes: 'n'.repeat(MAX_STRING_LENGTH + 1) })),
    reason: 'field "notes" is 1,000,001 characters long, over the limit of 1,000,000',
  },
  {
    id: 'series-too-large',
    write: (folder) => {
      writeFileSync(join(folder, 'run.yaml'), recordYaml('series-too-large'));
      writeFileSync(join(folder, 'series.json'), `${seriesJson({})}${' '.repeat(MAX_SERIES_JSON_BYTES)}`);
    },
    reason: /series\.json: is 32\.0 MB, over the limit of 32 MB, so it is not read/,
  },
  {
    id: 'too-many-series',
    write: (folder) => {
      writeFileSync(join(folder, 'run.yaml'), recordYaml('too-many-series'));
      const series = Object.fromEntries(Array.from({ length: MAX_SERIES_PER_RUN + 1 }, (_, i) => [`s${i}`, { step: [0], value: [1] }]));
      writeFileSync(join(folder, 'series.json'), seriesJson(series));
    },
    reason: 'holds 2,001 series, over the limit of 2,000 a run',
  },
  {
    id: 'too-many-points',
    write: (folder) => {
      writeFileSync(join(folder, 'run.yaml'), recordYaml('too-many-points'));
      const step = Array.from({ length: MAX_POINTS_PER_SERIES + 1 }, (_, i) => i);
      writeFileSync(join(folder, 'series.json'), seriesJson({ loss: { step, value: step } }));
    },
    reason: 'holds 100,001 points, over the limit of 100,000 a series',
  },
  {
    id: 'linked-file',
    write: (folder, outside) => symlinkSync(join(outside, 'credentials'), join(folder, 'run.yaml')),
    reason: 'run.yaml: is a symbolic link, not read',
  },
  {
    id: 'linked-series',
    write: (folder, outside) => {
      writeFileSync(join(folder, 'run.yaml'), recordYaml('linked-series'));
      symlinkSync(join(outside, 'credentials'), join(folder, 'series.json'));
    },
    reason: 'series.json: is a symbolic link, not read',
  },
  {
    id: 'unparseable-secret',
    write: (folder) => writeFileSync(join(folder, 'run.yaml'), `${header('unparseable-secret')}\ntoken: "${TOKEN}\n  bad: [\n`),
    reason: /is not valid YAML: .*\(line \d+, column \d+\)/,
  },
  {
    id: 'secret-not-a-mapping',
    write: (folder) => writeFileSync(join(folder, 'run.yaml'), `${TOKEN}\n`),
    reason: 'must be a YAML mapping of run fields (got a string)',
  },
  {
    id: 'series-secret',
    write: (folder) => {
      writeFileSync(join(folder, 'run.yaml'), recordYaml('series-secret'));
      writeFileSync(join(folder, 'series.json'), `{"schema": "runpages/series@1", "series": ${TOKEN}}`);
    },
    reason: /series\.json: is not valid JSON/,
  },
];

let repo: TestRepo;
let corpus: string;
let build: CliResult;
let show: CliResult;
let recordedId: string;
const TRICKY = { binary: '0b101', small: '1e-8', float: '1.0', truthy: 'True', nothing: 'null', hex: '-0x1F', time: '12:30', day: '2026-01-01' };

beforeAll(async () => {
  repo = makeTestRepo();
  corpus = join(repo.dir, 'corpus');
  const outside = join(repo.dir, '..', 'outside');
  mkdirSync(join(outside, 'folder'), { recursive: true });
  writeFileSync(join(outside, 'credentials'), `https://user:${TOKEN}@github.com\n`);
  writeFileSync(join(outside, 'folder', 'run.yaml'), recordYaml('linked-folder', { notes: TOKEN }));
  for (const id of ['good-a', 'good-b']) {
    mkdirSync(join(corpus, 'good', '2026-11', id), { recursive: true });
    writeFileSync(join(corpus, 'good', '2026-11', id, 'run.yaml'), recordYaml(id, { params: { lr: 0.1 } }, 'good'));
  }
  for (const run of hostile) {
    const folder = join(corpus, 'bad', '2026-11', run.id);
    mkdirSync(folder, { recursive: true });
    run.write(folder, outside);
  }
  symlinkSync(join(outside, 'folder'), join(corpus, 'bad', '2026-11', 'linked-folder'));

  // A recorded run with string params other readers turn into numbers, booleans or null.
  const runDir = join(repo.dir, 'tricky-run');
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'params.json'), JSON.stringify(TRICKY));
  writeFileSync(join(runDir, 'metrics.jsonl'), '{"step": 1, "acc": 0.5}\n');
  const commit = await runCli(['commit', runDir, '--project', 'tricky', '--name', 'tricky-params'], {
    cwd: repo.dir,
    env: { RUNPAGES_NOW: '2026-11-21T10:00:00Z' },
  });
  expect(commit.code, commit.stderr).toBe(0);
  const folder = git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs')
    .split('\n')
    .find((path) => path.startsWith('runs/tricky/') && path.endsWith('/run.yaml'))!;
  recordedId = folder.split('/').at(-2)!; // runs/tricky/<yyyy-mm>/<bucket>/<id>/run.yaml
  execFileSync('sh', ['-c', `git archive runs runs/tricky | tar -x --strip-components=1 -C "${corpus}"`], { cwd: repo.dir });
  show = await runCli(['show', recordedId, '--json'], { cwd: repo.dir });

  mkdirSync(join(repo.dir, 'comparisons'));
  writeFileSync(join(repo.dir, 'comparisons', 'fine.yaml'), stringifyYaml({ title: 'Fine', runs: ['good-a', 'good-b'] }));
  // Was unambiguous when written; good-b came later.
  writeFileSync(join(repo.dir, 'comparisons', 'became-ambiguous.yaml'), stringifyYaml({ title: 'Old', runs: ['good-', recordedId] }));
  writeFileSync(join(repo.dir, 'comparisons', 'run-gone.yaml'), stringifyYaml({ title: 'Gone', runs: ['good-a', 'deleted-run'] }));
  build = await runCli(['build', '--from', 'corpus', '--out', 'out'], { cwd: repo.dir, timeoutMs: 540_000 });
}, 600_000);

afterAll(() => repo?.cleanup());

describe('a build of a folder holding one of each hostile file', () => {
  it('succeeds, saying what it left out', () => {
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).toContain('runs/bad/2026-11/alias-bomb/run.yaml');
    expect(build.stderr).toMatch(/left out the saved comparison comparisons\/became-ambiguous\.yaml/);
  });

  it('publishes the good runs and the recorded one', () => {
    for (const id of ['good-a', 'good-b', recordedId]) expect(statSync(join(repo.dir, 'out', 'r', id, 'index.html')).isFile(), id).toBe(true);
    expect(statSync(join(repo.dir, 'out', 'c', 'fine', 'index.html')).isFile()).toBe(true);
  });

  it('lists each hostile run on /report/ with its reason', () => {
    const { document } = parseHTML(readFileSync(join(repo.dir, 'out/report/index.html'), 'utf8'));
    const rows = [...document.querySelectorAll('table.invalid-runs tbody tr')].map((tr) => ({
      file: tr.querySelector('.key')?.textContent ?? '',
      reason: tr.querySelector('.reason')?.textContent ?? '',
    }));
    for (const run of hostile) {
      const row = rows.find((r) => r.file.startsWith(`runs/bad/2026-11/${run.id}/`));
      expect(row, `${run.id} is not on the report`).toBeDefined();
      expect(row!.reason, run.id).toMatch(run.reason);
    }
    const linked = rows.find((r) => r.file.startsWith('runs/bad/2026-11/linked-folder'));
    expect(linked?.reason).toBe('runs/bad/2026-11/linked-folder: is a symbolic link, not read');
    expect(rows).toHaveLength(hostile.length + 1);
  });

  it('lists the saved comparisons whose runs no longer resolve on /report/, and skips only those', () => {
    const { document } = parseHTML(readFileSync(join(repo.dir, 'out/report/index.html'), 'utf8'));
    const rows = [...document.querySelectorAll('table.skipped-comparisons tbody tr')].map(
      (tr) => `${tr.querySelector('.key')?.textContent}: ${tr.querySelector('.reason')?.textContent}`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^comparisons\/became-ambiguous\.yaml: .*good-/);
    expect(rows[1]).toMatch(/^comparisons\/run-gone\.yaml: .*deleted-run/);
  });

  it('never quotes a linked or unparseable file: the secret is on no page', () => {
    const leaks = listFiles(join(repo.dir, 'out')).filter((file) => readFileSync(join(repo.dir, 'out', file)).includes(TOKEN));
    expect(leaks).toEqual([]);
    expect(build.stderr).not.toContain(TOKEN);
  });

  it('keeps every page under a size bound', () => {
    const large = listFiles(join(repo.dir, 'out'))
      .map((file) => ({ file, bytes: statSync(join(repo.dir, 'out', file)).size }))
      .filter(({ bytes }) => bytes > PAGE_BOUND_BYTES);
    expect(large).toEqual([]);
  });
});

describe('string params that look like other types', () => {
  it('read back as the same strings in runpages show --json', () => {
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).params).toEqual(TRICKY);
  });

  it('show as the same strings on the run page', () => {
    const { document } = parseHTML(readFileSync(join(repo.dir, 'out', 'r', recordedId, 'index.html'), 'utf8'));
    const shown = Object.fromEntries(
      [...document.querySelectorAll('table.params tr')].map((tr) => [tr.querySelector('.key')?.textContent, tr.querySelector('.value')?.textContent]),
    );
    expect(shown).toEqual(TRICKY);
  });
});

describe('the YAML reader refuses what would exhaust it', () => {
  it('refuses a billion-laughs file by its alias count, without expanding it', () => {
    expect(() => parseYaml(BOMB_LEVELS.join('\n'), 'runs/p/2026-11/x/run.yaml')).toThrow(
      /runs\/p\/2026-11\/x\/run\.yaml: is not usable YAML: it expands more than 100 aliases/,
    );
  });

  it('refuses nesting deeper than the stack with a reason, not a crash', () => {
    expect(() => parseYaml(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'x.yaml')).toThrow(
      /x\.yaml:1: is not valid YAML: it nests too deeply to read \(line 1, column \d+\)/,
    );
    // Block nesting by indentation: as deep as a 4 MB file allows.
    const block = `${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`;
    expect(() => parseRunRecord(parseYaml(block, 'x.yaml'), 'x.yaml')).toThrow(/^x\.yaml(:\d+)?: .*(nests deeper than 600 levels|nests too deeply)/);
  });

  it('names the line and column of a syntax error but quotes nothing of the file', () => {
    const error = (() => {
      try {
        parseYaml(`name: ok\ntoken: "${TOKEN}\n  [\n`, 'run.yaml');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(/^run\.yaml:\d+: is not valid YAML: .*\(line \d+, column \d+\)$/);
    expect(error?.message).not.toContain('ghp_');
    expect(() => parseSeriesText('{\n"series": 1,}', 's.json')).toThrow(/^s\.json:2: is not valid JSON \(line 2, column 13\)$/);
    expect(() => parseSeriesText(`{"series": ${TOKEN}}`, 's.json')).toThrow(/^s\.json: is not valid JSON$/);
    try {
      parseSeriesText(`{"series": ${TOKEN}}`, 's.json');
    } catch (caught) {
      expect((caught as Error).message).not.toContain('ghp_');
    }
  });
});

describe('record limits, checked without recursion', () => {
  it('refuses a million params without overflowing the stack', () => {
    const params: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) params[`p${i}`] = i;
    expect(() => parseRunRecord({ ...base('x'), params }, 'run.yaml')).toThrow(/run\.yaml: holds more than 200,000 keys and values, the limit/);
  });

  it('refuses params nested a million levels deep without overflowing the stack', () => {
    let params: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 1_000_000; i++) params = { a: params };
    expect(() => parseRunRecord({ ...base('x'), params }, 'run.yaml')).toThrow(/run\.yaml: field "params\.a\.a.*" nests deeper than 600 levels, the limit/);
  });

  it('accepts a record just inside every limit', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < MAX_NESTING_DEPTH - 3; i++) deep = { a: deep };
    const record = parseRunRecord({ ...base('x'), params: { deep, ['k'.repeat(MAX_KEY_LENGTH)]: 's'.repeat(MAX_STRING_LENGTH) } }, 'run.yaml');
    expect(Object.keys(record.params)).toHaveLength(2);
  });
});

describe('the query parser on attacker-sized input', () => {
  it(`refuses parentheses and "not" nested deeper than ${MAX_QUERY_DEPTH} with a pointed error`, () => {
    expect(() => parseQuery(`${'('.repeat(100_000)}x${')'.repeat(100_000)}`)).toThrow(/invalid query at column 65: nests deeper than 64 levels/);
    expect(() => parseQuery(`${'not '.repeat(100_000)}x`)).toThrow(/nests deeper than 64 levels/);
    expect(parseQuery(`${'('.repeat(MAX_QUERY_DEPTH)}x${')'.repeat(MAX_QUERY_DEPTH)}`)).toEqual({ type: 'text', term: 'x' });
  });

  it('parses a chain of 50,000 and-ed conditions as one flat list, without recursing per condition', () => {
    const query = parseQuery(Array.from({ length: 50_000 }, (_, i) => `metrics.m${i} > ${i}`).join(' and '));
    expect(query.type === 'and' && query.items.length).toBe(50_000);
  });
});

describe('saved comparisons against the runs', () => {
  const options = (cwd: string, ids: string[]) => ({ cwd, source: { folder: join(cwd, 'runs') }, ids });

  it("fails on a mistake in the user's own comparison file", async () => {
    const dir = join(repo.dir, 'own-broken');
    mkdirSync(join(dir, 'comparisons'), { recursive: true });
    writeFileSync(join(dir, 'comparisons', 'broken.yaml'), 'title: [unclosed\n');
    await expect(readSavedComparisonFiles(options(dir, ['a1', 'b1']))).rejects.toThrow(/comparisons\/broken\.yaml:2: is not valid YAML/);
  });

  it('skips any broken comparison from the runs source, and one whose prefix now matches two runs', async () => {
    const dir = join(repo.dir, 'source-broken');
    mkdirSync(join(dir, 'data', 'comparisons'), { recursive: true });
    mkdirSync(join(dir, 'comparisons'), { recursive: true });
    writeFileSync(join(dir, 'data', 'comparisons', 'broken.yaml'), 'title: [unclosed\n');
    writeFileSync(join(dir, 'comparisons', 'prefix.yaml'), stringifyYaml({ title: 'p', runs: ['a', 'b1'] }));
    writeFileSync(join(dir, 'comparisons', 'ok.yaml'), stringifyYaml({ title: 'ok', runs: ['a1', 'b1'] }));
    const result = await readSavedComparisonFiles({ cwd: dir, source: { folder: join(dir, 'data', 'runs') }, ids: ['a1', 'a2', 'b1'] });
    expect(result.comparisons.map((c) => c.slug)).toEqual(['ok']);
    expect(result.skipped.map((s) => s.file)).toEqual([`${join(dir, 'data', 'comparisons')}/broken.yaml`, 'comparisons/prefix.yaml']);
  });
});
