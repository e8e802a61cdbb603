import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES,
  QueryError,
  compileQuery,
  formatTag,
  parseQuery,
  parseTag,
  printQuery,
  tagValue,
  type FieldRef,
  type Literal,
  type Query,
  type RowAccess,
} from '../src/query/index.ts';

const UNITS = ['s', 'm', 'h', 'd', 'w'] as const;
const OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
const isDateField = (field: FieldRef) => field.kind === 'attribute' && (field.name === 'created' || field.name === 'ended');

interface Pools {
  field: fc.Arbitrary<FieldRef>;
  literal: (field: FieldRef) => fc.Arbitrary<Literal>;
  pattern: fc.Arbitrary<string>;
  term: fc.Arbitrary<string>;
}

/** Syntax trees as the parser builds them: and/or with 2+ items, `all` only at the top. */
function queryArbitrary(pools: Pools): fc.Arbitrary<Query> {
  const { tree } = fc.letrec<{ tree: Query; leaf: Query }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('leaf'),
      fc.record({ type: fc.constant('and' as const), items: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }) }),
      fc.record({ type: fc.constant('or' as const), items: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }) }),
      fc.record({ type: fc.constant('not' as const), item: tie('tree') }),
    ),
    leaf: fc.oneof(
      pools.field.chain((field) =>
        fc.record({ type: fc.constant('compare' as const), field: fc.constant(field), op: fc.constantFrom(...OPS), value: pools.literal(field) }),
      ),
      pools.field.chain((field) =>
        fc.record({
          type: fc.constant('in' as const),
          field: fc.constant(field),
          values: fc.array(pools.literal(field), { minLength: 1, maxLength: 3 }),
          negated: fc.boolean(),
        }),
      ),
      fc.record({ type: fc.constant('like' as const), field: pools.field, pattern: pools.pattern, caseInsensitive: fc.boolean(), negated: fc.boolean() }),
      fc.record({ type: fc.constant('exists' as const), field: pools.field }),
      fc.record({ type: fc.constant('text' as const), term: pools.term }),
    ),
  }));
  return fc.oneof({ arbitrary: tree, weight: 20 }, { arbitrary: fc.constant({ type: 'all' } as Query), weight: 1 });
}

// Characters that stress quoting, escapes, name rules and keywords.
const tricky = fc.string({
  unit: fc.oneof(
    fc.constantFrom('a', 'Z', '_', '0', '7', '.', '/', '-', ':', ' ', "'", '"', '`', '\\', '%', '(', ')', ',', '=', '<', 'é', '😀', '\t'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 8,
});
const word = fc.oneof(
  tricky,
  fc.constantFrom('and', 'OR', 'not', 'in', 'like', 'is', 'NULL', 'NAND', 'status', 'metrics.acc', '`metric`.a', 'true', '42', 'x.y', 'a-b/c', '-7d'),
);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer().map((n) => n),
);

const syntaxPools: Pools = {
  field: fc.oneof(
    fc.record({ kind: fc.constantFrom('metric' as const, 'param' as const, 'tag' as const), name: word.filter((name) => name.length > 0) }),
    fc.record({ kind: fc.constant('attribute' as const), name: fc.constantFrom(...ATTRIBUTES) }),
    fc.record({ kind: fc.constant('dataset' as const), name: fc.constantFrom('name', 'digest', 'context') }),
  ),
  literal: (field) =>
    fc.oneof(
      fc.record({ type: fc.constant('number' as const), value: number }),
      fc.record({ type: fc.constant('duration' as const), amount: number, unit: fc.constantFrom(...UNITS) }),
      isDateField(field)
        ? fc
            .date({ noInvalidDate: true, min: new Date(-8.64e15), max: new Date(8.64e15) })
            .map((date) => ({ type: 'string' as const, value: date.toISOString() }))
        : fc.record({ type: fc.constant('string' as const), value: word }),
    ),
  pattern: word,
  term: word,
};

describe('query properties', () => {
  it('parse(print(q)) equals q for any syntax tree', () => {
    fc.assert(
      fc.property(queryArbitrary(syntaxPools), (query) => {
        expect(parseQuery(printQuery(query))).toEqual(query);
      }),
      { numRuns: 3000 },
    );
  });

  it('printing is stable: print(parse(print(q))) equals print(q)', () => {
    fc.assert(
      fc.property(queryArbitrary(syntaxPools), (query) => {
        const text = printQuery(query);
        expect(printQuery(parseQuery(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('any text either parses (and then prints to text that parses the same) or is a QueryError inside the text', () => {
    const pieces = fc.constantFrom(
      'metrics.acc',
      'params.`a b`',
      'status',
      ' ',
      '>',
      '>=',
      '=',
      '!',
      "'x'",
      '"y',
      '(',
      ')',
      ',',
      'and',
      'or',
      'not',
      'in',
      'like',
      '0.5',
      '-7d',
      '2026-01-01',
      'tags.',
      'word',
      '`',
      '\\',
      'é',
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.array(pieces, { maxLength: 10 }).map((parts) => parts.join('')),
      fc.array(pieces, { maxLength: 10 }).map((parts) => parts.join(' ')),
    );
    fc.assert(
      fc.property(text, (input) => {
        let query: Query;
        try {
          query = parseQuery(input);
        } catch (error) {
          expect(error).toBeInstanceOf(QueryError);
          const { column } = error as QueryError;
          expect(column).toBeGreaterThanOrEqual(0);
          expect(column).toBeLessThanOrEqual(input.length);
          return;
        }
        expect(parseQuery(printQuery(query))).toEqual(query);
      }),
      { numRuns: 5000 },
    );
  });

  // Rows are plain objects; the reference below evaluates the tree directly, the compiled predicate
  // must agree on every row.
  interface Row {
    values: Record<string, unknown>;
    text: string;
  }
  const NOW = Date.parse('2026-06-01T00:00:00Z');
  const key = (field: FieldRef) => `${field.kind}:${field.name}`;
  const access: RowAccess<Row> = {
    value: (row, field) => row.values[key(field)],
    text: (row, terms) => terms.every((term) => row.text.includes(term)),
  };
  const evalFields: FieldRef[] = [
    { kind: 'metric', name: 'a' },
    { kind: 'param', name: 'p' },
    { kind: 'tag', name: 't' },
    { kind: 'attribute', name: 'status' },
    { kind: 'attribute', name: 'created' },
    { kind: 'attribute', name: 'duration' },
  ];
  const someValue = fc.oneof(
    fc.constantFrom(undefined, null, Number.NaN, 0, 1, 2.5, -1, 60, '1', '2.5', 'a', 'b', 'A', '', 'x%', 'FINISHED', 'finished', true, false),
    fc.constantFrom([1, 2], { nested: 1 }),
  );
  const dates = ['2026-05-31T12:00:00Z', '2026-05-01T00:00:00Z', '2025-01-01T00:00:00Z', 'not a date', undefined];
  const rowArbitrary: fc.Arbitrary<Row> = fc.record({
    values: fc.record({
      'metric:a': someValue,
      'param:p': someValue,
      'tag:t': someValue,
      'attribute:status': someValue,
      'attribute:created': fc.oneof(fc.constantFrom(...dates), fc.constant(Date.parse('2026-05-30T00:00:00Z'))),
      'attribute:duration': someValue,
    }),
    text: fc.constantFrom('', 'alpha', 'alpha beta', 'beta gamma'),
  });
  const evalPools: Pools = {
    field: fc.constantFrom(...evalFields),
    literal: (field) =>
      fc.oneof(
        fc.record({ type: fc.constant('number' as const), value: fc.constantFrom(0, 1, 2.5, -1, 60) }),
        fc.record({ type: fc.constant('duration' as const), amount: fc.constantFrom(-1, 1, -30), unit: fc.constantFrom(...UNITS) }),
        fc.record({
          type: fc.constant('string' as const),
          value: isDateField(field)
            ? fc.constantFrom('2026-05-15', '2026-05-31T12:00:00Z')
            : fc.constantFrom('a', 'b', '1', '2.5', 'Finished', 'x%', '[1,2]', 'true'),
        }),
      ),
    pattern: fc.constantFrom('a', 'A%', '%', '_', 'x\\%', '1%', '%.5', 'fin%', '[1,_]', '2026%'),
    term: fc.constantFrom('alpha', 'beta', 'gamma'),
  };

  const SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  function reference(query: Query, row: Row): boolean {
    switch (query.type) {
      case 'all':
        return true;
      case 'and':
        return query.items.every((item) => reference(item, row));
      case 'or':
        return query.items.some((item) => reference(item, row));
      case 'not':
        return !reference(query.item, row);
      case 'text':
        return row.text.includes(query.term);
      case 'exists':
        return row.values[key(query.field)] != null;
      case 'like': {
        const value = plain(row.values[key(query.field)], query.field, false);
        if (value === undefined) return false;
        let source = '';
        for (let i = 0; i < query.pattern.length; i++) {
          const c = query.pattern[i] as string;
          if (c === '\\' && '%_\\'.includes(query.pattern[i + 1] ?? 'none')) source += `\\${query.pattern[++i]}`;
          else source += c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        }
        return new RegExp(`^${source}$`, query.caseInsensitive ? 'is' : 's').test(String(value)) !== query.negated;
      }
      case 'compare':
      case 'in': {
        const value = plain(row.values[key(query.field)], query.field, true);
        if (value === undefined) return false;
        const literals = query.type === 'in' ? query.values : [query.value];
        const order = literals.map((literal) => ordering(value, literalOf(literal, query.field)));
        if (query.type === 'in') return order.includes(0) !== query.negated;
        const c = order[0];
        if (c === undefined) return false;
        if (c === 'different') return query.op === '!=';
        return { '=': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[query.op];
      }
    }
  }
  function plain(value: unknown, field: FieldRef, asTime: boolean): number | string | undefined {
    if (value === null || value === undefined || Number.isNaN(value)) return undefined;
    if (asTime && isDateField(field)) {
      const time = typeof value === 'number' ? value : Date.parse(String(value));
      return Number.isNaN(time) ? undefined : time;
    }
    if (typeof value === 'object') return Array.isArray(value) ? JSON.stringify(value) : undefined;
    const result = typeof value === 'number' ? value : String(value);
    return field.name === 'status' && typeof result === 'string' ? result.toLowerCase() : result;
  }
  function literalOf(literal: Literal, field: FieldRef): number | string {
    if (literal.type === 'duration') return isDateField(field) ? NOW + literal.amount * SECONDS[literal.unit] * 1000 : literal.amount * SECONDS[literal.unit];
    if (literal.type === 'number') return literal.value;
    if (isDateField(field)) return Date.parse(literal.value);
    return field.name === 'status' ? literal.value.toLowerCase() : literal.value;
  }
  /**
   * -1, 0, 1 when both read as decimal numbers or both are text; 'different' for a number against a
   * non-numeric text (only != holds).
   */
  function ordering(a: number | string, b: number | string): number | 'different' {
    const decimal = (v: number | string): number | undefined =>
      typeof v === 'number' ? v : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) && Number.isFinite(Number(v)) ? Number(v) : undefined;
    const x = decimal(a);
    const y = decimal(b);
    if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
    if (typeof a === 'number' || typeof b === 'number') return 'different';
    return a < b ? -1 : a > b ? 1 : 0;
  }

  it('the compiled predicate agrees with a direct evaluation of the tree', () => {
    fc.assert(
      fc.property(queryArbitrary(evalPools), fc.array(rowArbitrary, { minLength: 1, maxLength: 8 }), (query, rows) => {
        const match = compileQuery(query, access, { now: NOW });
        for (const row of rows) expect(match(row)).toBe(reference(query, row));
      }),
      { numRuns: 3000 },
    );
  });

  it('generated evaluation queries also survive printing', () => {
    fc.assert(
      fc.property(queryArbitrary(evalPools), fc.array(rowArbitrary, { minLength: 1, maxLength: 4 }), (query, rows) => {
        const reparsed = compileQuery(parseQuery(printQuery(query)), access, { now: NOW });
        for (const row of rows) expect(reparsed(row)).toBe(reference(query, row));
      }),
      { numRuns: 500 },
    );
  });
});

describe('stored tags and comparisons across types', () => {
  const text = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', 'b', ':', '=', '\\', ' ', '.', '1') });

  it('a key/value tag round-trips whatever its key holds, and reads back only under its own key', () => {
    fc.assert(
      fc.property(text, text, text, (key, value, other) => {
        const stored = formatTag(key, value);
        expect(parseTag(stored)).toEqual({ key, value });
        expect(tagValue(stored, key)).toBe(value);
        if (other !== key) expect(tagValue(stored, other)).toBeUndefined();
        expect(tagValue(formatTag(key), key)).toBe('true');
      }),
      { numRuns: 2000 },
    );
  });

  it('tags written before keys were escaped read as they always did', () => {
    const plainKey = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'b', '/', '-', '.', '1') });
    fc.assert(
      fc.property(plainKey, fc.string({ maxLength: 12 }), fc.constantFrom(':', '='), (key, value, separator) => {
        expect(tagValue(`${key}${separator}${value}`, key)).toBe(value);
        expect(tagValue(key, key)).toBe('true');
      }),
    );
  });

  it('!= agrees with NOT IN, and = with IN, for values and literals of every type', () => {
    const value = fc.oneof(
      fc.double({ noNaN: true }),
      fc.integer().map(String),
      fc.constantFrom('0.001', '1e-08', 'True', 'nope', '', '0x10', ' 7 '),
      fc.boolean(),
    );
    const literal = fc.oneof(
      fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .map((v) =>
          printQuery({ type: 'compare', field: { kind: 'param', name: 'x' }, op: '=', value: { type: 'number', value: v } }).slice('params.x = '.length),
        ),
      fc.constantFrom("'nope'", "'0.001'", "'1'", "'True'", "''", '1', '0.001'),
    );
    fc.assert(
      fc.property(value, literal, (stored, written) => {
        const access: RowAccess<unknown> = { value: () => stored, text: () => false };
        const run = (query: string): boolean => compileQuery(parseQuery(query), access, { now: 0 })(null);
        expect(run(`params.x != ${written}`)).toBe(run(`params.x NOT IN (${written})`));
        expect(run(`params.x = ${written}`)).toBe(run(`params.x IN (${written})`));
        expect(run(`params.x != ${written}`)).toBe(!run(`params.x = ${written}`));
      }),
      { numRuns: 2000 },
    );
  });
});
