/**
 * The run table's data (src/index/table.ts) and its browser column model
 * (site/src/scripts/table/columns.ts, state.ts) over the fixture runs in test/fixtures/table-runs/.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { buildTable, defaultColumns, ID_BLOCK, idBlock, TABLE_SCHEMA, type Table } from '../src/index/table.ts';
import type { RunRecord } from '../src/run/schema.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { aggregate, decodeColumn, filterRows, groupRows, sortRows, valueAt, type Column } from '../site/src/scripts/table/columns.ts';
import { formatState, parseState, toggleSort } from '../site/src/scripts/table/state.ts';
import { toCsv } from '../site/src/scripts/table/csv.ts';
import { cellOf, timeStyleOf } from '../site/src/scripts/table/cells.ts';
import { brushFilter, type Brush } from '../site/src/scripts/table/brush.ts';
import { compileFilter, fieldOfColumn, hasTextTerms } from '../site/src/scripts/table/filter.ts';
import { parseQuery } from '../src/query/parser.ts';

const FIXTURE = new URL('./fixtures/table-runs/', import.meta.url).pathname;

function fixtureRuns(project: string): RunRecord[] {
  return fg.sync(`${project}/*/*/run.yaml`, { cwd: FIXTURE }).map((file) => parseRunRecord(parseYaml(readFileSync(join(FIXTURE, file), 'utf8'), file), file));
}

function decodeAll(table: Table): Map<string, Column> {
  return new Map(table.index.columns.map((info, i) => [info.key, decodeColumn(info, table.columns[i]!)]));
}

const goal = { metric: 'val/acc', direction: 'max' } as const;
const table = buildTable(fixtureRuns('vision'), { project: 'vision', goal });
const columns = decodeAll(table);
const col = (key: string): Column => {
  const column = columns.get(key);
  if (!column) throw new Error(`no column ${key}`);
  return column;
};
const namesOf = (rows: Uint32Array) => [...rows].map((row) => valueAt(col('name'), row));

describe('buildTable', () => {
  it('orders rows newest first and lists every column once, attributes first', () => {
    expect(table.index.schema).toBe(TABLE_SCHEMA);
    expect(table.ids[0]).toBe('01JAVISION0000000000000008');
    expect(table.ids.at(-1)).toBe('01JAVISION0000000000000001');
    expect(table.index.columns.map((c) => c.key)).toEqual([
      'name',
      'status',
      'user',
      'created',
      'duration',
      'host',
      'tags',
      'data.cifar',
      'params.arch',
      'params.batch_size',
      'params.lr',
      'params.optim.momentum',
      'params.optim.name',
      'params.seed',
      'metrics.loss',
      'metrics.val/acc',
    ]);
    expect(table.index.columns.map((c) => c.file)).toEqual(table.index.columns.map((_, i) => `c/${i}.json`));
  });

  it('encodes numbers as numbers with null for missing, strings and tags through a dictionary', () => {
    const acc = table.columns[table.index.columns.findIndex((c) => c.key === 'metrics.val/acc')]!;
    expect(acc).toEqual({ key: 'metrics.val/acc', kind: 'number', values: [null, 0.94, 0.9, 0.88, 0.12, 0.95, 0.93, 0.81] });
    const arch = table.columns[table.index.columns.findIndex((c) => c.key === 'params.arch')]!;
    expect(arch.kind).toBe('string');
    if (arch.kind !== 'string') throw new Error('unreachable');
    expect(arch.dict.toSorted()).toEqual(['resnet18', 'resnet50', 'vit']);
    expect(arch.codes.map((code) => arch.dict[code])).toEqual(['resnet50', 'vit', 'resnet50', 'resnet18', 'vit', 'vit', 'resnet50', 'resnet18']);
    const created = table.columns[table.index.columns.findIndex((c) => c.key === 'created')]!;
    expect(created).toMatchObject({ kind: 'time' });
    if (created.kind !== 'time') throw new Error('unreachable');
    // Times are delta-encoded (newest first, so deltas are short); decoding restores them.
    expect(created.values.slice(0, 2)).toEqual([Date.parse('2026-10-08T10:00:00Z') / 1000, -86_400]);
    expect([...col('created').num!].at(-1)).toBe(Date.parse('2026-10-01T10:00:00Z') / 1000);
    const info = table.index.columns.find((c) => c.key === 'metrics.loss')!;
    expect(info).toMatchObject({ label: 'loss', group: 'metric', present: 7, distinct: 7 });
  });

  it('splits run ids into blocks so the first view loads only the ids it shows', () => {
    expect(table.index.idFiles).toEqual(['ids/0.json']);
    expect(idBlock(table, 0)).toEqual(table.ids);
    const [run] = fixtureRuns('vision');
    const many = buildTable(
      Array.from({ length: ID_BLOCK + 5 }, (_, i) => ({ ...run!, id: `run-${String(i).padStart(5, '0')}` })),
      { project: 'vision' },
    );
    expect(many.index.idFiles).toEqual(['ids/0.json', 'ids/1.json']);
    expect(idBlock(many, 1)).toEqual(['run-00004', 'run-00003', 'run-00002', 'run-00001', 'run-00000']);
  });

  it('round-trips through JSON (it is written as static files)', () => {
    const again = JSON.parse(JSON.stringify(table)) as Table;
    expect(again).toEqual(table);
  });

  it('keeps NaN and infinities, which training produces', () => {
    const [run] = fixtureRuns('vision');
    const odd = buildTable([{ ...run!, metrics: { a: NaN, b: Infinity } }], { project: 'vision' });
    const data = JSON.parse(JSON.stringify(odd.columns)) as Table['columns'];
    const a = decodeColumn(odd.index.columns.find((c) => c.key === 'metrics.a')!, data.find((c) => c.key === 'metrics.a')!);
    expect(Number.isNaN(a.num![0])).toBe(true);
    expect(a.missing![0]).toBe(0);
    expect(data.find((c) => c.key === 'metrics.b')).toMatchObject({ values: ['Infinity'] });
  });

  it('picks default columns: name, status, the goal (visible without scrolling), attributes, varying params (not per-run ones like seeds), metrics', () => {
    expect(table.index.defaults).toEqual([
      'name',
      'status',
      'metrics.val/acc',
      'user',
      'created',
      'duration',
      'params.arch',
      'params.batch_size',
      'params.lr',
      'params.optim.momentum',
      'metrics.loss',
    ]);
    const many = table.index.columns.concat(['m2', 'm10', 'm1', 'm3'].map((name) => ({ ...table.index.columns.at(-1)!, key: `metrics.${name}`, label: name })));
    expect(defaultColumns(many, {}).filter((key) => key.startsWith('metrics.'))).toEqual(['metrics.loss', 'metrics.m1', 'metrics.m2']);
    expect(defaultColumns(table.index.columns, { columns: ['params.lr', 'nope', 'metrics.loss'] })).toEqual(['name', 'params.lr', 'metrics.loss']);
  });

  it('keeps a swept param that differs in every run, and drops seeds, ids and paths instead', () => {
    const param = (key: string, distinct: number) => ({
      ...table.index.columns.at(-1)!,
      key: `params.${key}`,
      label: key,
      group: 'param' as const,
      present: 4,
      distinct,
    });
    const columns = [
      param('lr', 4),
      param('seed', 4),
      param('run_id', 4),
      param('data.path', 4),
      param('train.random_state', 4),
      param('optim', 2),
      param('fixed', 1),
    ];
    expect(defaultColumns(columns, {})).toEqual(['params.lr', 'params.optim']);
  });
});

describe('transfer budget', () => {
  it('keeps the first view of 10k runs (index, first id block, default columns) under 250 KB gzip', () => {
    // Deterministic synthetic runs of the benchmark's shape: 30 params, 20 metrics, ULID-like ids.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const runs = Array.from({ length: 10_000 }, (_, i) => {
      const time = Date.UTC(2026, 0, 1) + i * 137_000 + Math.floor(random() * 60_000);
      const id = time.toString(32).toUpperCase().padStart(10, '0') + Array.from({ length: 16 }, () => ALPHABET[Math.floor(random() * 32)]).join('');
      const params: Record<string, unknown> = {
        arch: ['resnet18', 'resnet50', 'vit-s', 'vit-b'][i % 4],
        dataset: ['v1', 'v2', 'v3'][Math.floor(random() * 3)],
        optimizer: { name: ['sgd', 'adamw'][i % 2], lr: Number((10 ** (-1 - random() * 3)).toPrecision(3)) },
        batch_size: [64, 128, 256, 512][Math.floor(random() * 4)],
      };
      for (let p = 0; p < 26; p++) params[`p${p}`] = Math.floor(random() * 10);
      const metrics: Record<string, number> = {};
      for (let m = 0; m < 20; m++) metrics[`m${m}`] = random();
      return {
        id,
        name: `${['brave', 'calm', 'eager', 'gentle', 'happy'][i % 5]}-${['otter', 'lynx', 'heron', 'moose'][i % 4]}-${i}`,
        status: 'finished' as const,
        user: ['alice', 'bob', 'chen'][i % 3],
        created: new Date(time).toISOString(),
        duration_s: Math.floor(random() * 10_000),
        params,
        metrics,
      };
    });
    const big = buildTable(runs, { project: 'big', goal: { metric: 'm0', direction: 'max' } });
    const gz = (data: unknown) => gzipSync(JSON.stringify(data)).length;
    const columnsBytes = big.index.defaults.map((key) => gz(big.columns[big.index.columns.findIndex((c) => c.key === key)]));
    const total = gz(big.index) + gz(idBlock(big, 0)) + columnsBytes.reduce((a, b) => a + b, 0);
    expect(big.index.defaults).toHaveLength(12);
    expect(total).toBeLessThan(250_000);
  });
});

describe('column model', () => {
  const all = filterRows(table.index.count, () => true);

  it('decodes numeric columns into typed arrays and strings into codes', () => {
    expect(col('metrics.val/acc').num).toBeInstanceOf(Float64Array);
    expect(col('params.arch').codes).toBeInstanceOf(Int32Array);
  });

  it('filters and sorts over columns to the expected runs', () => {
    const acc = col('metrics.val/acc');
    const good = filterRows(all.length, (row) => acc.missing![row] === 0 && acc.num![row]! > 0.9);
    expect(namesOf(sortRows(good, [{ column: acc, desc: true }]))).toEqual(['eager-heron-3', 'keen-walrus-7', 'calm-lynx-2']);
    expect(namesOf(sortRows(good, [{ column: acc, desc: false }]))).toEqual(['calm-lynx-2', 'keen-walrus-7', 'eager-heron-3']);
  });

  it('sorts missing values last in both directions and breaks ties with the next key', () => {
    const acc = col('metrics.val/acc');
    expect(namesOf(sortRows(all, [{ column: acc, desc: false }])).at(-1)).toBe('lucky-panda-8');
    expect(namesOf(sortRows(all, [{ column: acc, desc: true }])).at(-1)).toBe('lucky-panda-8');
    const byArchThenLr = sortRows(all, [
      { column: col('params.arch'), desc: false },
      { column: col('params.lr'), desc: true },
    ]);
    expect(namesOf(byArchThenLr)).toEqual([
      'brave-otter-1',
      'happy-koala-5', // resnet18: lr 0.1, 0.01
      'calm-lynx-2',
      'lucky-panda-8',
      'jolly-tiger-6', // resnet50: 0.01, 0.003, 0.001
      'gentle-moose-4',
      'keen-walrus-7',
      'eager-heron-3', // vit: 0.1, 0.003, 0.001
    ]);
  });

  it('sorts infinite and NaN metrics after numbers but before missing values, in both directions', () => {
    const [run] = fixtureRuns('vision');
    const values = [0.5, NaN, Infinity, undefined, -Infinity, 0.1];
    const odd = buildTable(
      values.map((m, i) => ({
        ...run!,
        id: `r${i}`,
        name: `r${i}`,
        created: `2026-10-0${9 - i}T00:00:00Z`,
        metrics: m === undefined ? {} : ({ m } as Record<string, number>),
      })),
      { project: 'vision' },
    );
    const data = JSON.parse(JSON.stringify(odd.columns)) as Table['columns'];
    const m = decodeColumn(odd.index.columns.find((c) => c.key === 'metrics.m')!, data.find((c) => c.key === 'metrics.m')!);
    const rows = filterRows(values.length, () => true);
    const order = (desc: boolean) => [...sortRows(rows, [{ column: m, desc }])].map((row) => odd.ids[row]);
    expect(order(false)).toEqual(['r4', 'r5', 'r0', 'r2', 'r1', 'r3']);
    expect(order(true)).toEqual(['r2', 'r0', 'r5', 'r4', 'r1', 'r3']);
  });

  it('groups by a param with counts and the mean and best of the goal metric', () => {
    const groups = groupRows(all, col('params.arch'), { column: col('metrics.val/acc'), direction: 'max' });
    expect(groups.map((g) => [g.label, g.rows.length, g.best])).toEqual([
      ['resnet18', 2, 0.88],
      ['resnet50', 3, 0.93],
      ['vit', 3, 0.95],
    ]);
    expect(groups[1]!.mean).toBeCloseTo((0.93 + 0.9) / 2, 10);
    expect(aggregate(all, col('metrics.loss'), 'min').best).toBe(0.15);
  });

  it('groups by tags with a run in each of its tags and (none) last', () => {
    const groups = groupRows(all, col('tags'));
    expect(groups.map((g) => [g.label, g.rows.length])).toEqual([
      ['baseline', 1],
      ['best', 1],
      ['sweep', 5],
      ['(none)', 2],
    ]);
  });
});

describe('structured filter over columns', () => {
  const run = (query: string, text: (terms: string[]) => Set<number> = () => new Set()) =>
    namesOf(
      filterRows(
        table.index.count,
        compileFilter(parseQuery(query), { ids: table.ids, project: 'vision', columns, text, now: Date.parse('2026-10-09T00:00:00Z') }),
      ),
    );

  it('selects exactly the runs the query language describes', () => {
    expect(run("metrics.`val/acc` > 0.9 and params.arch = 'vit'")).toEqual(['keen-walrus-7', 'eager-heron-3']);
    expect(run("params.arch IN ('resnet18', 'resnet50') and user != 'bob'")).toEqual(['jolly-tiger-6', 'brave-otter-1']);
    expect(run("name LIKE '%-1' or tags.baseline")).toEqual(['brave-otter-1']);
    expect(run("status = 'FAILED'")).toEqual(['gentle-moose-4']);
    expect(run('created > -3d')).toEqual(['lucky-panda-8', 'keen-walrus-7', 'jolly-tiger-6']);
    expect(run("created < '2026-10-02'")).toEqual(['brave-otter-1']);
    expect(run('duration >= 2h and params.optim.momentum = 0.9')).toEqual(['keen-walrus-7', 'calm-lynx-2']);
    expect(run(`id = '${table.ids[0]}'`)).toEqual(['lucky-panda-8']);
    expect(run('metrics.loss')).toHaveLength(7);
  });

  it('answers bare words through the full-text search', () => {
    // Rows 3 and 5 (happy-koala-5, eager-heron-3) are the runs whose notes mention zebras.
    const seen: string[][] = [];
    const hits = run("'zebra' and params.lr < 0.005", (terms) => (seen.push(terms), new Set([3, 5])));
    expect(seen).toEqual([['zebra']]);
    expect(hits).toEqual(['eager-heron-3']);
  });
});

describe('query fields of columns', () => {
  it('names every column the query language can read, and no others', () => {
    expect(['status', 'params.optim.lr', 'metrics.val/acc', 'data.cifar', 'tags'].map(fieldOfColumn)).toEqual([
      { kind: 'attribute', name: 'status' },
      { kind: 'param', name: 'optim.lr' },
      { kind: 'metric', name: 'val/acc' },
      undefined,
      undefined,
    ]);
  });

  it('tells queries with full-text terms from those without', () => {
    expect(hasTextTerms(parseQuery("'zebra' and status = 'finished'"))).toBe(true);
    expect(hasTextTerms(parseQuery("not (metrics.acc > 1 or 'wide net')"))).toBe(true);
    expect(hasTextTerms(parseQuery('metrics.acc > 0.9'))).toBe(false);
  });
});

describe('CSV export', () => {
  it('writes the rows in view with ids, full-precision numbers, ISO times, and quoting', () => {
    const rows = sortRows(
      filterRows(table.index.count, (row) => row < 2),
      [{ column: col('name'), desc: false }],
    );
    const csv = toCsv(table.ids, rows, [col('name'), col('created'), col('metrics.val/acc'), col('tags')]);
    expect(csv).toBe(
      'id,name,created,metrics.val/acc,tags\r\n' +
        `${table.ids[1]},keen-walrus-7,2026-10-07T10:00:00.000Z,0.94,sweep\r\n` +
        `${table.ids[0]},lucky-panda-8,2026-10-08T10:00:00.000Z,,\r\n`,
    );
  });

  it('neutralises spreadsheet formulas and quotes separators', () => {
    const [run] = fixtureRuns('vision');
    const odd = buildTable([{ ...run!, name: '=HYPERLINK("x")', user: 'a,b' }], { project: 'vision' });
    const oddColumns = new Map(odd.index.columns.map((info, i) => [info.key, decodeColumn(info, odd.columns[i]!)]));
    expect(toCsv(odd.ids, [0], [oddColumns.get('name')!, oddColumns.get('user')!]).split('\r\n')[1]).toBe(`${odd.ids[0]},"'=HYPERLINK(""x"")","a,b"`);
  });
});

describe('series columns', () => {
  it('offer the lowest and highest value of each series beside its last, formatted as the metric is configured', () => {
    const base = fixtureRuns('vision')[0]!;
    const runs = [0.3, 0.2].map((low, i) => ({
      ...base,
      id: `01JSERIES000000000000000${i}0`,
      name: `s${i}`,
      metrics: { 'val/loss': low + 0.05 },
      series: { 'val/loss': { points: 10, stored: 10, min: low, max: 2.3, last: low + 0.05 } },
    }));
    const small = buildTable(runs, { project: 'vision', metrics: { 'val/loss': { label: 'Validation loss', digits: 3 } } });
    const info = small.index.columns.filter((c) => c.group === 'series');
    expect(info.map((c) => [c.key, c.label, c.kind])).toEqual([
      ['series.val/loss.max', 'val/loss max', 'number'],
      ['series.val/loss.min', 'val/loss min', 'number'],
    ]);
    expect(small.index.display?.['series.val/loss.min']).toEqual({ label: 'Validation loss (min)', digits: 3 });
    const columns = decodeAll(small);
    expect([0, 1].map((row) => cellOf(columns.get('series.val/loss.min')!, row, new Date(), small.index.display?.['series.val/loss.min']).text)).toEqual([
      '0.200',
      '0.300',
    ]);
    // Not a field of the query language (it has no series), so completion does not offer it.
    expect(fieldOfColumn('series.val/loss.min')).toBeUndefined();
    expect(small.index.defaults.some((key) => key.startsWith('series.'))).toBe(false);
  });
});

describe('times', () => {
  it('read as dates when relative times would all read the same', () => {
    const created = col('created');
    const now = new Date('2026-10-29T10:00:00Z');
    // Rows are newest first: 8 to 5 October are all "3 weeks ago" on the 29th.
    expect(timeStyleOf(created, [0, 1, 2, 3], now)).toBe('date');
    expect(cellOf(created, 0, now, undefined, 'date')).toMatchObject({ text: '8 Oct 10:00', title: '8 Oct 2026, 10:00 UTC (3 weeks ago)' });
    expect(timeStyleOf(created, [...Array(8).keys()], now)).toBe('relative');
    expect(timeStyleOf(created, [0], now)).toBe('relative');
    expect(cellOf(created, 0, new Date('2027-01-02T00:00:00Z'), undefined, 'date').text).toBe('8 Oct 2026 10:00');
  });
});

describe('URL state', () => {
  it('round-trips every part of the view, including keys with slashes, commas and spaces', () => {
    const state = {
      q: 'zebra stripes',
      filter: "metrics.`val/acc` > 0.9 and params.arch = 'vit'",
      sort: [
        { key: 'metrics.val/acc', desc: true },
        { key: 'name', desc: false },
      ],
      group: 'params.arch',
      columns: ['name', 'metrics.val/acc', 'params.a,b'],
      collapsed: ['vit'],
      sweeps: true,
      brush: [
        { key: 'params.lr', lo: 0.001, hi: 0.0125 },
        { key: 'params.a,b', values: ['x|y', 'z,w', "it's"] },
      ],
    };
    const search = formatState(state);
    expect(search).toContain('sort=-metrics.val/acc,name');
    expect(parseState(search)).toEqual(state);
    expect(parseState('')).toEqual({ q: '', filter: '', sort: [], group: null, columns: null, collapsed: [], sweeps: false, brush: [] });
    // A hand-edited brush that is not one is dropped, not an error.
    expect(parseState('?brush=params.lr:abc,params.lr:2..1').brush).toEqual([{ key: 'params.lr', lo: 1, hi: 2 }]);
  });

  it('keeps the runs inside every brush, and none without a value on a brushed axis', () => {
    const base = fixtureRuns('vision')[0]!;
    const small = buildTable(
      [1, 2, 3, 4].map((n) => ({
        ...base,
        id: `01JBRUSH0000000000000000${n}0`,
        name: `b${n}`,
        params: n === 4 ? {} : { lr: n / 1000, arch: n === 2 ? 'vit' : 'resnet' },
      })),
      { project: 'vision' },
    );
    const columns = decodeAll(small);
    const inside = (brushes: Brush[]) => [0, 1, 2, 3].filter(brushFilter(brushes, columns)).map((row) => valueAt(columns.get('name')!, row));
    expect(inside([])).toEqual(['b4', 'b3', 'b2', 'b1']);
    expect(inside([{ key: 'params.lr', lo: 0.0015, hi: 0.003 }])).toEqual(['b3', 'b2']);
    expect(
      inside([
        { key: 'params.lr', lo: 0, hi: 1 },
        { key: 'params.arch', values: ['resnet'] },
      ]),
    ).toEqual(['b3', 'b1']);
    expect(inside([{ key: 'params.unknown', lo: 0, hi: 1 }])).toHaveLength(4);
  });

  it('sorts on click, flips on a second click, adds a secondary key on shift-click', () => {
    const first = toggleSort([], 'metrics.acc', false, true);
    expect(first).toEqual([{ key: 'metrics.acc', desc: true }]);
    expect(toggleSort(first, 'metrics.acc', false, true)).toEqual([{ key: 'metrics.acc', desc: false }]);
    expect(toggleSort(first, 'name', true, false)).toEqual([
      { key: 'metrics.acc', desc: true },
      { key: 'name', desc: false },
    ]);
    expect(toggleSort(first, 'name', false, false)).toEqual([{ key: 'name', desc: false }]);
  });
});
