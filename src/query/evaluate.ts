/**
 * Turns a syntax tree into a predicate over rows. Rows are whatever the caller has (full run records
 * in the CLI and at build time, indexes into column arrays in the browser): a RowAccess reads a
 * field's value and answers full-text terms for a row.
 *
 * Semantics (MLflow's): a missing value (or NaN) never matches, not even `!=` or NOT IN; when both
 * sides read as decimal numbers they compare numerically (a param stored as the string '0.001'
 * counts as a number), otherwise as text, so `!=` and NOT IN agree on every type; `created`/`ended`
 * compare as times; `status` ignores case. A run has several datasets: a `datasets.*` condition holds
 * when one of them matches.
 */
import { DATE_ATTRIBUTES, type ComparisonOp, type DurationUnit, type FieldRef, type Literal, type Query } from './ast.ts';

export interface RowAccess<Row> {
  /**
   * The field's value for the row, or undefined/null when it has none. Numbers, strings and booleans
   * compare; dates may be ISO strings or epoch milliseconds; lists compare as their JSON text, except
   * for `dataset` fields, whose value is the list of the run's datasets' values.
   */
  value(row: Row, field: FieldRef): unknown;
  /** True when the row matches every full-text term (terms of one `and` arrive together). */
  text(row: Row, terms: string[]): boolean;
}

export interface CompileOptions {
  /** Epoch milliseconds that relative dates (`created > -7d`) count from. */
  now: number;
}

type Scalar = number | string;

const SECONDS: Readonly<Record<DurationUnit, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Compiles a query into a predicate. Example:
 * `runs.filter(compileQuery(parseQuery('metrics.acc > 0.9'), recordAccess, { now: Date.now() }))`.
 */
export function compileQuery<Row>(query: Query, access: RowAccess<Row>, options: CompileOptions): (row: Row) => boolean {
  return compile(query, access, options);
}

function compile<Row>(query: Query, access: RowAccess<Row>, options: CompileOptions): (row: Row) => boolean {
  switch (query.type) {
    case 'all':
      return () => true;
    case 'and': {
      // Terms of one `and` go to the text search together, so an index can intersect them at once.
      const terms = query.items.flatMap((item) => (item.type === 'text' ? [item.term] : []));
      const parts = query.items.filter((item) => item.type !== 'text').map((item) => compile(item, access, options));
      if (terms.length > 0) parts.unshift((row) => access.text(row, terms));
      return (row) => parts.every((part) => part(row));
    }
    case 'or': {
      const parts = query.items.map((item) => compile(item, access, options));
      return (row) => parts.some((part) => part(row));
    }
    case 'not': {
      const inner = compile(query.item, access, options);
      return (row) => !inner(row);
    }
    case 'text': {
      const terms = [query.term];
      return (row) => access.text(row, terms);
    }
    case 'exists': {
      const field = query.field;
      return (row) => {
        const value = access.value(row, field);
        // A run with no dataset has no `datasets.name`, whatever an access gives for it.
        return value !== undefined && value !== null && !(field.kind === 'dataset' && Array.isArray(value) && value.length === 0);
      };
    }
    case 'compare': {
      const read = reader(query.field, access);
      const literal = literalValue(query.value, query.field, options);
      const op = query.op;
      return (row) => anyValue(read(row), (value) => compareScalars(value, literal, op));
    }
    case 'in': {
      const read = reader(query.field, access);
      const literals = query.values.map((value) => literalValue(value, query.field, options));
      const negated = query.negated;
      return (row) => anyValue(read(row), (value) => literals.some((literal) => compareScalars(value, literal, '=')) !== negated);
    }
    case 'like': {
      const field = query.field;
      const matcher = likeMatcher(query.pattern, query.caseInsensitive);
      const negated = query.negated;
      const read = reader(field, access, false);
      return (row) => anyValue(read(row), (value) => matcher(String(value)) !== negated);
    }
  }
}

/**
 * Reads a field as a comparable scalar: times for date attributes (unless `asTime` is false, as for
 * LIKE on the ISO text), lower case for status. NaN is no value: it matches nothing.
 */
function anyValue(value: Scalar | Scalar[] | undefined, test: (value: Scalar) => boolean): boolean {
  if (value === undefined) return false;
  return Array.isArray(value) ? value.some(test) : test(value);
}

function reader<Row>(field: FieldRef, access: RowAccess<Row>, asTime = true): (row: Row) => Scalar | Scalar[] | undefined {
  if (field.kind === 'dataset') {
    return (row) => {
      const value = access.value(row, field);
      const values = (Array.isArray(value) ? value : [value]).map(toScalar).filter((item): item is Scalar => item !== undefined);
      return values.length === 0 ? undefined : values;
    };
  }
  if (asTime && field.kind === 'attribute' && DATE_ATTRIBUTES.has(field.name)) {
    return (row) => {
      const value = access.value(row, field);
      const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value instanceof Date ? value.getTime() : Number.NaN;
      return Number.isNaN(time) ? undefined : time;
    };
  }
  if (field.kind === 'attribute' && field.name === 'status') {
    return (row) => {
      const value = toScalar(access.value(row, field));
      return typeof value === 'string' ? value.toLowerCase() : value;
    };
  }
  return (row) => toScalar(access.value(row, field));
}

function toScalar(value: unknown): Scalar | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? undefined : value;
    case 'string':
      return value;
    case 'boolean':
      return String(value);
    case 'bigint':
      return Number(value);
    case 'object':
      if (value === null) return undefined;
      if (value instanceof Date) return value.getTime();
      // A list is a leaf value (params.layers = '[64,128]'); a mapping is not a value.
      return Array.isArray(value) ? JSON.stringify(value) : undefined;
    default:
      return undefined;
  }
}

function literalValue(literal: Literal, field: FieldRef, options: CompileOptions): Scalar {
  const isDate = field.kind === 'attribute' && DATE_ATTRIBUTES.has(field.name);
  switch (literal.type) {
    case 'number':
      return literal.value;
    case 'string':
      if (isDate) return parseTime(literal.value);
      return field.kind === 'attribute' && field.name === 'status' ? literal.value.toLowerCase() : literal.value;
    case 'duration': {
      const seconds = literal.amount * SECONDS[literal.unit];
      return isDate ? options.now + seconds * 1000 : seconds;
    }
  }
}

/** A date or date-time; without a time zone it is UTC, so a query means the same on every machine. */
function parseTime(text: string): number {
  const local = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text.trim());
  return Date.parse(local ? `${text.trim()}Z` : text);
}

/** Decimal numbers only: `Number()` would also read '0x10', '' and ' 1 ' as numbers. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function asNumber(value: Scalar): number | undefined {
  if (typeof value === 'number') return value;
  if (!DECIMAL.test(value)) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

function compareScalars(value: Scalar, literal: Scalar, op: ComparisonOp): boolean {
  let a: Scalar | undefined = asNumber(value);
  let b: Scalar | undefined = asNumber(literal);
  if (a === undefined || b === undefined) {
    // Not two numbers: a number and a word are simply different (so != holds, as NOT IN does);
    // only two texts have an order.
    if (typeof value === 'number' || typeof literal === 'number') return op === '!=';
    a = value;
    b = literal;
  }
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** SQL LIKE as a matcher: `%` any text, `_` one character, a backslash makes the next one literal. */
function likeMatcher(pattern: string, caseInsensitive: boolean): (text: string) => boolean {
  let source = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    const next = chars[i + 1];
    if (char === '\\' && (next === '%' || next === '_' || next === '\\')) {
      source += escapeRegExp(next);
      i++;
    } else if (char === '%') {
      source += '.*';
    } else if (char === '_') {
      source += '.';
    } else {
      source += escapeRegExp(char);
    }
  }
  const regexp = new RegExp(`^${source}$`, caseInsensitive ? 'isu' : 'su');
  return (text) => regexp.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
