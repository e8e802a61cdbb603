import { describe, expect, it } from 'vitest';
import {
  QueryError,
  compileQuery,
  completions,
  fieldsOf,
  parseField,
  parseQuery,
  printQuery,
  recordAccess,
  type FieldRef,
  type Query,
} from '../src/query/index.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import type { RunRecord } from '../src/run/schema.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');

function run(id: string, fields: Record<string, unknown>): RunRecord {
  return parseRunRecord(
    { schema: 'runpages/run@1', id, name: `run-${id}`, project: 'vision', status: 'finished', created: '2026-11-01T00:00:00Z', ...fields },
    `${id}/run.yaml`,
  );
}

const RUNS: RunRecord[] = [
  run('a', {
    metrics: { accuracy: 0.95, 'val/acc': 0.91 },
    params: { dataset: 'v3', lr: 0.001, optimizer: { name: 'adam', beta: 0.9 } },
    tags: ['owner:alice', 'baseline'],
    user: 'alice',
    duration_s: 3600,
    notes: 'ResNet-50 with brave augmentation',
  }),
  run('b', {
    metrics: { accuracy: 0.92, 'val/acc': 0.94 },
    params: { dataset: 'v2', lr: '0.01' },
    tags: ['owner=bob'],
    user: 'bob',
    status: 'failed',
    created: '2026-11-20T00:00:00Z',
    duration_s: 60,
  }),
  run('c', {
    metrics: { accuracy: Number.NaN },
    params: { dataset: 'v3_1', lr: 0.1 },
    user: 'carol',
    status: 'killed',
    created: '2026-10-15T08:00:00Z',
    name: 'brave-otter-12',
  }),
  run('d', { params: { dataset: 'V3', use_amp: true }, status: 'running', created: '2026-11-22T23:00:00Z', experiment: 'sweep 50%' }),
];

function ids(query: string): string[] {
  const match = compileQuery(parseQuery(query), recordAccess, { now: NOW });
  return RUNS.filter(match).map((r) => r.id);
}

function parseError(query: string): QueryError {
  try {
    parseQuery(query);
  } catch (error) {
    if (error instanceof QueryError) return error;
    throw error;
  }
  throw new Error(`expected ${query} not to parse`);
}

const metric = (name: string) => ({ kind: 'metric', name }) as const;
const num = (value: number) => ({ type: 'number', value }) as const;
const str = (value: string) => ({ type: 'string', value }) as const;

describe('parseQuery', () => {
  it('parses the MLflow example', () => {
    expect(parseQuery("metrics.accuracy > 0.93 and params.dataset = 'Y' and tags.owner = 'alice'")).toEqual({
      type: 'and',
      items: [
        { type: 'compare', field: metric('accuracy'), op: '>', value: num(0.93) },
        { type: 'compare', field: { kind: 'param', name: 'dataset' }, op: '=', value: str('Y') },
        { type: 'compare', field: { kind: 'tag', name: 'owner' }, op: '=', value: str('alice') },
      ],
    });
  });

  it('gives and precedence over or, not over and, and honours parentheses', () => {
    const a = { type: 'text', term: 'a' } as const;
    const b = { type: 'text', term: 'b' } as const;
    const c = { type: 'text', term: 'c' } as const;
    expect(parseQuery('a or b and c')).toEqual({ type: 'or', items: [a, { type: 'and', items: [b, c] }] });
    expect(parseQuery('a and b or c')).toEqual({ type: 'or', items: [{ type: 'and', items: [a, b] }, c] });
    expect(parseQuery('(a or b) and c')).toEqual({ type: 'and', items: [{ type: 'or', items: [a, b] }, c] });
    expect(parseQuery('not a and b')).toEqual({ type: 'and', items: [{ type: 'not', item: a }, b] });
    expect(parseQuery('not (a and b)')).toEqual({ type: 'not', item: { type: 'and', items: [a, b] } });
    expect(parseQuery('A OR b AnD NOT c')).toEqual({
      type: 'or',
      items: [
        { type: 'text', term: 'A' },
        { type: 'and', items: [b, { type: 'not', item: c }] },
      ],
    });
  });

  it('reads bare words and quoted phrases as full-text terms joined with and', () => {
    expect(parseQuery(`'resnet' "brave otter" metrics.acc > 1`)).toEqual({
      type: 'and',
      items: [
        { type: 'text', term: 'resnet' },
        { type: 'text', term: 'brave otter' },
        { type: 'compare', field: metric('acc'), op: '>', value: num(1) },
      ],
    });
    // An attribute name alone is a search word; with an operator it is the attribute.
    expect(parseQuery('status')).toEqual({ type: 'text', term: 'status' });
    expect(parseQuery("'and'")).toEqual({ type: 'text', term: 'and' });
  });

  it('accepts backticked, double-quoted and plain names with special characters', () => {
    const expected = { type: 'compare', field: metric('val/acc'), op: '>', value: num(0.9) };
    expect(parseQuery('metrics.`val/acc` > 0.9')).toEqual(expected);
    expect(parseQuery('metrics."val/acc" > 0.9')).toEqual(expected);
    expect(parseQuery('metrics.val/acc > 0.9')).toEqual(expected);
    expect(parseQuery('metrics.val/acc>0.9')).toEqual(expected);
    expect(parseQuery('metric.`val acc` = 1')).toMatchObject({ field: metric('val acc') });
    expect(parseQuery('params.`a``b` = 1')).toMatchObject({ field: { kind: 'param', name: 'a`b' } });
    expect(parseField('params.optimizer.lr')).toEqual({ kind: 'param', name: 'optimizer.lr' });
  });

  it('resolves singular prefixes, attributes and MLflow aliases', () => {
    expect(parseQuery("attributes.run_name = 'x'")).toMatchObject({ field: { kind: 'attribute', name: 'name' } });
    expect(parseQuery('attribute.start_time > 5')).toMatchObject({ field: { kind: 'attribute', name: 'created' } });
    expect(parseQuery("param.lr = '0.1'")).toMatchObject({ field: { kind: 'param', name: 'lr' } });
    expect(parseQuery("tag.owner != 'x'")).toMatchObject({ field: { kind: 'tag', name: 'owner' }, op: '!=' });
    expect(parseQuery('duration >= 1.5h')).toMatchObject({
      field: { kind: 'attribute', name: 'duration' },
      value: { type: 'duration', amount: 1.5, unit: 'h' },
    });
  });

  it('parses every operator, IN lists, LIKE and their negations', () => {
    for (const [text, op] of [
      ['=', '='],
      ['==', '='],
      ['!=', '!='],
      ['<>', '!='],
      ['<', '<'],
      ['<=', '<='],
      ['>', '>'],
      ['>=', '>='],
    ] as const) {
      expect(parseQuery(`metrics.x ${text} -1e-3`)).toEqual({ type: 'compare', field: metric('x'), op, value: num(-0.001) });
    }
    expect(parseQuery('params.dataset in (\'v2\', "v3", 4)')).toEqual({
      type: 'in',
      field: { kind: 'param', name: 'dataset' },
      negated: false,
      values: [str('v2'), str('v3'), num(4)],
    });
    expect(parseQuery("status NOT IN ('failed')")).toMatchObject({ type: 'in', negated: true });
    expect(parseQuery("name not ilike '%otter%'")).toEqual({
      type: 'like',
      field: { kind: 'attribute', name: 'name' },
      pattern: '%otter%',
      caseInsensitive: true,
      negated: true,
    });
    expect(parseQuery('tags.baseline')).toEqual({ type: 'exists', field: { kind: 'tag', name: 'baseline' } });
    expect(parseQuery('')).toEqual({ type: 'all' });
    expect(parseQuery('   ')).toEqual({ type: 'all' });
  });

  it('reads escapes in strings: quotes and backslashes, other backslashes kept for LIKE', () => {
    expect(parseQuery("name = 'it\\'s'")).toMatchObject({ value: str("it's") });
    expect(parseQuery("name = 'a\\\\b'")).toMatchObject({ value: str('a\\b') });
    expect(parseQuery("name like '50\\%'")).toMatchObject({ pattern: '50\\%' });
  });

  it('accepts bare words as string values', () => {
    expect(parseQuery('status = finished')).toMatchObject({ value: str('finished') });
    expect(parseQuery('params.amp = true')).toMatchObject({ value: str('true') });
  });
});

describe('parse errors point at the column', () => {
  const cases: [query: string, column: number, reason: RegExp][] = [
    ['metrics.acc >> 0.9', 13, /expected a value/],
    ['metrics.acc >', 13, /expected a value/],
    ["(status = 'finished'", 20, /expected "\)"/],
    ["status = 'finished')", 19, /unmatched "\)"/],
    ["metrics.acc > 'abc", 14, /unterminated string/],
    ['metrics.`val/acc > 1', 8, /unterminated backticked name/],
    ['foo.bar > 1', 0, /unknown field prefix "foo"/],
    ['colour = 1', 0, /unknown field "colour"/],
    ["attributes.colour = 'x'", 0, /unknown attribute "colour"/],
    ["params.x in ('a', )", 18, /expected a value/],
    ["params.x in 'a'", 12, /expected "\(" after IN/],
    ["params.x in ('a' 'b')", 17, /expected "," or "\)"/],
    ['name like 5', 10, /LIKE needs a quoted pattern/],
    ["and status = 'x'", 0, /expected a condition or search term before "and"/],
    ["created > 'yesterday'", 10, /"yesterday" is not a date/],
    ['created > 2026-01-01', 10, /dates must be quoted/],
    ['metrics. > 1', 8, /expected a name after "metrics."/],
    ['metrics.acc > metrics.loss', 14, /comparing two fields/],
    ['status ~ 1', 7, /unexpected character "~"/],
    ['metrics.acc > 5x', 14, /invalid number "5x"/],
    ['a or', 4, /expected a condition or search term/],
    ['()', 1, /empty parentheses/],
    ['= 3', 0, /expected a field before "="/],
    ['`val` > 1', 0, /backticked name needs a prefix/],
    // Among conditions a bare word is a mistake, not a search (MLflow refuses these too).
    ["metrics.A > 0.1 NAND params.B = 'LR'", 16, /unknown keyword "NAND": did you mean AND\?/],
    ["metrics.A > 0.1 ANDD params.B = 'LR'", 16, /did you mean AND\?/],
    ['params.acc LR', 11, /expected an operator before "LR"/],
    ['metrics.a > 1 resnet', 14, /unexpected word "resnet" among conditions/],
    ['resnet metrics.a > 1', 0, /unexpected word "resnet" among conditions/],
    ['metrics.a > 1 42', 14, /unexpected word "42" among conditions/],
    ["attribute.artifact_uri = '1/23/4'", 0, /runpages has no attribute "artifact_uri"/],
    ["artifact_uri = 'x'", 0, /runpages has no "artifact_uri"/],
    ["datasets.size = 'x'", 0, /unknown dataset key "size"/],
    ["tags.v IS 'x'", 10, /expected NULL after "IS"/],
    ['tags.v IS NOT 3', 14, /expected NULL after "IS NOT"/],
  ];
  for (const [query, column, reason] of cases) {
    it(`${query} -> column ${column}`, () => {
      const error = parseError(query);
      expect(error.code).toBe('invalid-query');
      expect(error.column).toBe(column);
      expect(error.reason).toMatch(reason);
      expect(error.hint).toBeTruthy();
      // The caret sits under the column, below the query.
      const lines = error.message.split('\n');
      expect(lines[1]).toBe(`  ${query}`);
      expect(lines[2]?.indexOf('^')).toBe(column + 2);
    });
  }

  it('a stray word gets a hint that says how to search for it', () => {
    expect(parseError("metrics.A > 0.1 NAND params.B = 'LR'").hint).toContain("quote 'NAND'");
    expect(parseError('params.acc LR').hint).toContain("params.acc = 'LR'");
    expect(parseError("attr.artifact_uri = 'x'").hint).toContain('object store');
  });

  it('shows the caret display from the brief', () => {
    expect(parseError('metrics.acc >> 0.9').message).toContain('  metrics.acc >> 0.9\n               ^ expected a value');
  });
});

describe('MLflow syntax', () => {
  const tag = (name: string): FieldRef => ({ kind: 'tag', name });
  it('IS NULL and IS NOT NULL test that a field is missing or present', () => {
    expect(parseQuery('tags.version IS NULL')).toEqual({ type: 'not', item: { type: 'exists', field: tag('version') } });
    expect(parseQuery('tags.version is not null')).toEqual({ type: 'exists', field: tag('version') });
    expect(parseQuery("tags.a IS NULL AND params.b = 'val'")).toEqual({
      type: 'and',
      items: [
        { type: 'not', item: { type: 'exists', field: tag('a') } },
        { type: 'compare', field: { kind: 'param', name: 'b' }, op: '=', value: { type: 'string', value: 'val' } },
      ],
    });
  });

  it('accepts every MLflow prefix, backticked or not, and its attribute aliases', () => {
    const status = { type: 'compare', field: { kind: 'attribute', name: 'status' }, op: '=', value: { type: 'string', value: 'RUNNING' } };
    for (const prefix of ['attr', 'attribute', 'attributes', 'run', '`run`', '`attributes`'])
      expect(parseQuery(`${prefix}.status = 'RUNNING'`)).toEqual(status);
    expect(parseQuery('`metric`.a >= 0.1')).toEqual(parseQuery('metrics.a >= 0.1'));
    expect(parseQuery("`params`.`my param` = 'x'")).toEqual(parseQuery("params.`my param` = 'x'"));
    expect(parseQuery("parameters.lr = '1'")).toEqual(parseQuery("params.lr = '1'"));
    for (const alias of ['`Run name`', '`run name`', '`Run Name`', 'run_name'])
      expect(parseQuery(`attributes.${alias} = 'a'`)).toEqual(parseQuery("name = 'a'"));
    expect(parseQuery('attributes.Created > 1')).toEqual(parseQuery('created > 1'));
    expect(parseQuery("dataset.name = 'd'")).toEqual({
      type: 'compare',
      field: { kind: 'dataset', name: 'name' },
      op: '=',
      value: { type: 'string', value: 'd' },
    });
    expect(printQuery(parseQuery("dataset.context IN ('train')"))).toBe("datasets.context IN ('train')");
  });

  it('words alone are still a full-text search, and quoted words mix with conditions', () => {
    expect(parseQuery('resnet mixup')).toEqual({
      type: 'and',
      items: [
        { type: 'text', term: 'resnet' },
        { type: 'text', term: 'mixup' },
      ],
    });
    expect(parseQuery("'resnet' and metrics.a > 1")).toEqual({
      type: 'and',
      items: [
        { type: 'text', term: 'resnet' },
        { type: 'compare', field: metric('a'), op: '>', value: { type: 'number', value: 1 } },
      ],
    });
    expect(printQuery(parseQuery("'resnet' and metrics.a > 1"))).toBe("'resnet' and metrics.a > 1");
  });
});

describe('printQuery', () => {
  it('prints canonical text that parses back to the same tree', () => {
    const texts = [
      "metrics.accuracy > 0.93 and params.dataset = 'Y' and tags.owner = 'alice'",
      "metrics.`val acc` >= 0.001 or not status IN ('failed', 'killed')",
      "'resnet' and 'brave otter' and created > -7d",
      '(a or b) or c',
      'not (a and b) and (c and d)',
      "name NOT ILIKE '%o\\\\_t%'",
      "'and' and '42' and 'metrics.acc'",
      'params.`a``b` NOT IN (1, -0, 1e+21)',
      'tags.baseline',
      '',
    ];
    for (const text of texts) {
      const query = parseQuery(text);
      expect(printQuery(query)).toBe(text);
      expect(parseQuery(printQuery(query))).toEqual(query);
    }
  });

  it('canonicalises aliases, operators and keyword case', () => {
    expect(printQuery(parseQuery("attributes.run_id == 'x' AND metric.a <> 1 OR NOT tags.t"))).toBe("id = 'x' and metrics.a != 1 or not tags.t");
  });
});

describe('compileQuery over run records', () => {
  it('compares numbers numerically and strings lexically', () => {
    expect(ids('metrics.accuracy > 0.93')).toEqual(['a']);
    expect(ids('metrics.accuracy >= 0.92')).toEqual(['a', 'b']);
    expect(ids('metrics.`val/acc` > 0.92')).toEqual(['b']);
    expect(ids('metrics.val/acc < 0.92')).toEqual(['a']);
    expect(ids("params.dataset = 'v3'")).toEqual(['a']);
    expect(ids("params.dataset > 'v3'")).toEqual(['c']);
    expect(ids("params.dataset < 'v3'")).toEqual(['b', 'd']);
  });

  it('treats numeric strings as numbers, both ways', () => {
    expect(ids('params.lr = 0.01')).toEqual(['b']);
    expect(ids("params.lr = '0.001'")).toEqual(['a']);
    expect(ids('params.lr < 0.05')).toEqual(['a', 'b']);
    expect(ids('params.dataset = 3')).toEqual([]);
  });

  it('never matches a missing value, not even with != or NOT IN; NaN is missing too', () => {
    expect(ids('metrics.accuracy != 0.95')).toEqual(['b']);
    expect(ids('metrics.accuracy NOT IN (0.95)')).toEqual(['b']);
    expect(ids("metrics.accuracy NOT LIKE '0.95'")).toEqual(['b']);
    expect(ids('not metrics.accuracy > 0.93')).toEqual(['b', 'c', 'd']);
    expect(ids('metrics.accuracy')).toEqual(['a', 'b', 'c']);
  });

  it('reads nested params, tags with values and plain tags', () => {
    expect(ids("params.optimizer.name = 'adam'")).toEqual(['a']);
    expect(ids('params.optimizer.beta < 1')).toEqual(['a']);
    expect(ids('params.optimizer')).toEqual(['a']);
    expect(ids("tags.owner = 'alice'")).toEqual(['a']);
    expect(ids("tags.owner IN ('alice', 'bob')")).toEqual(['a', 'b']);
    expect(ids('tags.baseline')).toEqual(['a']);
    expect(ids("tags.baseline = 'true'")).toEqual(['a']);
    expect(ids('not tags.baseline')).toEqual(['b', 'c', 'd']);
    expect(ids("params.use_amp = 'true'")).toEqual(['d']);
  });

  it('matches LIKE and ILIKE with %, _ and escapes', () => {
    expect(ids("params.dataset LIKE 'v3%'")).toEqual(['a', 'c']);
    expect(ids("params.dataset ILIKE 'v3%'")).toEqual(['a', 'c', 'd']);
    expect(ids("params.dataset LIKE 'v_'")).toEqual(['a', 'b']);
    expect(ids("params.dataset LIKE 'v3\\_1'")).toEqual(['c']);
    expect(ids("params.dataset LIKE 'v3\\_%'")).toEqual(['c']);
    expect(ids("experiment LIKE '%50\\%'")).toEqual(['d']);
    expect(ids("experiment LIKE '%5\\%'")).toEqual([]);
    expect(ids("name LIKE 'brave.otter%'")).toEqual([]);
    expect(ids("name LIKE 'brave_otter%'")).toEqual(['c']);
  });

  it('compares dates, relative dates and durations', () => {
    expect(ids("created > '2026-11-01'")).toEqual(['b', 'd']);
    expect(ids("created >= '2026-11-01'")).toEqual(['a', 'b', 'd']);
    expect(ids("created < '2026-11-01T00:00:00Z'")).toEqual(['c']);
    // Without a zone a time is UTC, whatever the machine's zone.
    expect(ids("created = '2026-10-15T08:00'")).toEqual(['c']);
    expect(ids("created = '2026-10-15T10:00:00+02:00'")).toEqual(['c']);
    expect(ids('created > -7d')).toEqual(['b', 'd']);
    expect(ids('created > -1d')).toEqual(['d']);
    expect(ids('created > -14h')).toEqual(['d']);
    expect(ids('created > -12h')).toEqual([]);
    expect(ids('duration > 1m')).toEqual(['a']);
    expect(ids('duration >= 1m')).toEqual(['a', 'b']);
    expect(ids('duration = 3600')).toEqual(['a']);
  });

  it('matches status case-insensitively, as MLflow users write FINISHED', () => {
    expect(ids("attributes.status = 'FINISHED'")).toEqual(['a']);
    expect(ids('status IN (failed, KILLED)')).toEqual(['b', 'c']);
  });

  it('runs full-text terms over names, notes, tags and param values', () => {
    expect(ids('resnet')).toEqual(['a']);
    expect(ids('brave')).toEqual(['a', 'c']);
    expect(ids('brave otter')).toEqual(['c']);
    expect(ids('"brave otter"')).toEqual([]);
    expect(ids('"brave-otter"')).toEqual(['c']);
    expect(ids('brave or bob')).toEqual(['a', 'b', 'c']);
    expect(ids('adam')).toEqual(['a']);
    expect(ids("'brave' and status = killed")).toEqual(['c']);
  });

  it('combines with and/or/not and parentheses', () => {
    expect(ids("(status = 'failed' or status = 'killed') and user != 'bob'")).toEqual(['c']);
    expect(ids("status = 'failed' or status = 'killed' and user != 'bob'")).toEqual(['b', 'c']);
    expect(ids('')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('hands the terms of one and to the text search together', () => {
    const calls: string[][] = [];
    const access = { value: () => undefined, text: (_row: unknown, terms: string[]) => (calls.push(terms), true) };
    compileQuery(parseQuery("'alpha' 'beta' metrics.x or 'gamma'"), access, { now: NOW })({});
    expect(calls).toEqual([['alpha', 'beta'], ['gamma']]);
  });
});

describe('fieldsOf and completions', () => {
  it('lists referenced fields once, in order', () => {
    const query: Query = parseQuery("metrics.acc > 1 and (status = 'x' or metrics.acc < 3) and tags.t and 'word'");
    expect(fieldsOf(query)).toEqual([metric('acc'), { kind: 'attribute', name: 'status' }, { kind: 'tag', name: 't' }]);
  });

  it('suggests field names for the word at the cursor', () => {
    const known = ['metrics.acc', 'metrics.val/acc', 'params.lr', 'status'];
    expect(completions('metrics.a', 9, known)).toEqual({ from: 0, to: 9, options: ['metrics.acc'] });
    expect(completions('metrics.acc > 1 and par', 23, known)).toEqual({ from: 20, to: 23, options: ['params.lr', 'params.'] });
    expect(completions('acc', 3, known).options).toEqual(['metrics.acc']);
    expect(completions('sta', 1, known)).toEqual({ from: 0, to: 3, options: ['status'] });
    expect(completions('metrics.acc > ', 14, known).options).toEqual([]);
    expect(completions('name like ', 10, known).options).toEqual([]);
    expect(completions('status in (', 11, known).options).toEqual([]);
    expect(completions('(', 1, known).options).toContain('metrics.acc');
    expect(completions("'sta", 4, known).options).toEqual([]);
    expect(completions("name = 'it\\'s' and sta", 22, known).options).toEqual(['status']);
    // Right after a value nothing is suggested: Enter must apply the query, not append a field.
    expect(completions("status = 'finished'", 19, known).options).toEqual([]);
    expect(completions('params.lr = 0.1 ', 16, known).options).toEqual([]);
    expect(completions("status = 'x' and ", 17, known).options).toContain('status');
    expect(completions('not ', 4, known).options).toContain('status');
    expect(completions('', 0, known).options).toContain('metrics.acc');
  });
});
