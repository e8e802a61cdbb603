/**
 * One YAML implementation (src/run/yaml.ts): every param, tag and note survives write -> read
 * exactly, as the same type, through the pure writer and reader (many samples) and through a real
 * commit to a git branch and the loader (fewer samples). A YAML 1.1 reader (PyYAML; emulated with the
 * `yaml` package's `version: '1.1'`) reads the written file as the same types too.
 */
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitRuns } from '../src/branch/commit.ts';
import { loadRuns } from '../src/index/load.ts';
import { stringifyRecord } from '../src/record/run-dir.ts';
import type { PreparedRun } from '../src/run/prepared.ts';
import { RUN_SCHEMA, RunRecordSchema, type RunRecord } from '../src/run/schema.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml, stringifyYaml } from '../src/run/yaml.ts';
import { makeTestRepo, type TestRepo } from './helpers/git.ts';

/** Strings other YAML readers have read as numbers, booleans, nulls, dates or merge keys. */
const TRICKY_STRINGS = [
  '0b101',
  '-0b101',
  '+0b1',
  '0x1F',
  '-0x1F',
  '+0x1f',
  '0o7',
  '+0o7',
  '-0o17',
  '1e-8',
  '1E5',
  '-1e+3',
  '1.0',
  '.5',
  '5.',
  '-.5',
  '1_000',
  '1_000.5',
  '0777',
  '010',
  '-010',
  '+1',
  '-0',
  '0',
  '12:30',
  '1:20',
  '190:20:30.15',
  '-1:30',
  '2026-01-01',
  '2026-1-1',
  '2001-12-14t21:59:43.10-05:00',
  '2026-11-20 10:00:00',
  'True',
  'true',
  'TRUE',
  'False',
  'yes',
  'Yes',
  'YES',
  'no',
  'No',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  'y',
  'Y',
  'n',
  'N',
  'null',
  'Null',
  'NULL',
  '~',
  '',
  ' ',
  ' x ',
  'x ',
  ' x',
  'NaN',
  'nan',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '-.inf',
  '+.inf',
  '.Inf',
  'Infinity',
  '-Infinity',
  '=',
  '<<',
  '- x',
  '? x',
  ': x',
  '# not a comment',
  'a # b',
  'a: b',
  '[1, 2]',
  '{a: 1}',
  '&anchor',
  '*alias',
  '!tag',
  '%YAML',
  '@x',
  '`x`',
  '"quoted"',
  "'single'",
  '|',
  '>',
  'line\nbreak',
  'trailing newline\n',
  '\n',
  'a\n\nb\n\n',
  '\ttab',
  'cr\rhere',
  'crlf\r\nline',
  'nul\0byte',
  'esc\u001b[31m',
  'bell\u0007',
  '\u2028',
  '\u2029',
  '\u0085',
  '\ufeffbom',
  'zero\u200bwidth',
  'ünïcödé',
  '日本語',
  '🙂',
  'e\u0301',
  '\u202eevil',
  '--- ',
  '...',
  '---',
];

/** Half a surrogate pair cannot be written as UTF-8 at all, so no file format could keep it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const scalar = fc.oneof(
  fc.constantFrom(...TRICKY_STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !LONE_SURROGATE.test(s)),
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    -0,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 2,
    2 ** 60,
    -(2 ** 63),
    1e21,
    123456789012345680000,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    NaN,
    Infinity,
    -Infinity,
  ),
  fc.boolean(),
  fc.constant(null),
);
const key = fc.oneof(fc.constantFrom(...TRICKY_STRINGS.filter((s) => s !== '')), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }));
const params = fc.dictionary(key, fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(key, scalar, { maxKeys: 4 })), { maxKeys: 8 });
const text = fc.oneof(fc.constantFrom(...TRICKY_STRINGS), fc.string({ unit: 'grapheme', maxLength: 200 }));
const tags = fc.array(fc.oneof(fc.constantFrom(...TRICKY_STRINGS), fc.string({ unit: 'grapheme', maxLength: 30 })), { maxLength: 5 });

/** What must survive, as a string that tells -0 from 0, NaN from null and '5' from 5. */
function exact(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? 'n:-0' : `n:${String(value)}`;
  if (typeof value === 'string') return `s:${JSON.stringify(value)}`;
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(exact).join(',')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value as object)
      .map(([k, v]) => `${JSON.stringify(k)}:${exact(v)}`)
      .join(',')}}`;
  return `?${typeof value}`;
}

/** The same, up to what YAML 1.1 cannot say: -0 is an integer there, so only the type and value count. */
function types(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'n:NaN' : `n:${String(value === 0 ? 0 : value)}`;
  if (Array.isArray(value)) return `[${value.map(types).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${types(v)}`)
      .join(',')}}`;
  return exact(value);
}

let sequence = 0;
function record(fields: { params: Record<string, unknown>; tags: string[]; notes: string }): RunRecord {
  sequence += 1;
  return RunRecordSchema.parse({
    schema: RUN_SCHEMA,
    id: `01JPROP${String(sequence).padStart(19, '0')}`,
    name: `prop-${sequence}`,
    project: 'yaml-prop',
    status: 'finished',
    created: '2026-11-20T10:00:00Z',
    ...fields,
  });
}

const carried = (run: RunRecord) => ({ params: run.params, tags: run.tags, notes: run.notes });

describe('the run.yaml writer and reader', () => {
  it('reads back every param, tag and note exactly, as the same type', () => {
    fc.assert(
      fc.property(params, tags, text, (p, t, notes) => {
        const written = record({ params: p, tags: t, notes });
        const yaml = stringifyRecord(written);
        const read = parseRunRecord(parseYaml(yaml, 'run.yaml'), 'run.yaml');
        expect(exact(carried(read))).toBe(exact(carried(written)));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes files a YAML 1.1 reader (PyYAML) reads as the same types', () => {
    fc.assert(
      fc.property(params, tags, text, (p, t, notes) => {
        const written = record({ params: p, tags: t, notes });
        const asYaml11 = parse(stringifyRecord(written), { version: '1.1' }) as Partial<RunRecord>;
        // The writer leaves empty params and tags out; the schema defaults them.
        const read = { params: asYaml11.params ?? {}, tags: asYaml11.tags ?? [], notes: asYaml11.notes };
        expect(types(read)).toBe(types(carried(written)));
        // Timestamps stay strings for a 1.1 reader too (PyYAML would make them datetimes).
        expect(typeof asYaml11.created).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes each tricky spelling, so neither reader changes its type', () => {
    for (const value of TRICKY_STRINGS) {
      const yaml = stringifyYaml({ value });
      expect(parseYaml(yaml, 'x.yaml'), yaml).toEqual({ value });
      expect(parse(yaml, { version: '1.1' }), yaml).toEqual({ value });
    }
    expect(stringifyYaml({ value: '0b101' })).toBe('value: "0b101"\n');
  });

  it('reads numbers at the edges exactly: -0, 1e308, 5e-324, integers above 2^53', () => {
    for (const value of [-0, 1e308, 5e-324, 2 ** 53 + 2, 2 ** 60, Number.MAX_VALUE]) {
      const back = parseYaml(stringifyYaml({ value }), 'x.yaml') as { value: number };
      expect(Object.is(back.value, value), String(value)).toBe(true);
    }
    // Beyond the largest double: one reader, one answer (the two parsers once disagreed).
    expect(parseYaml('value: 1e309\n', 'x.yaml')).toEqual({ value: Infinity });
  });
});

describe('a run committed to the branch and loaded back', () => {
  let repo: TestRepo;
  beforeAll(() => {
    repo = makeTestRepo();
  });
  afterAll(() => repo.cleanup());

  it('keeps every param, tag and note byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(params, tags, text), { minLength: 1, maxLength: 6 }), async (samples) => {
        const records = samples.map(([p, t, notes]) => record({ params: p, tags: t, notes }));
        const prepared: PreparedRun[] = records.map((r) => ({ record: r, files: { 'run.yaml': stringifyRecord(r) }, objects: [] }));
        await commitRuns(repo.dir, 'runs', prepared);
        const { runs, invalid } = await loadRuns({ source: { branch: 'runs' }, cwd: repo.dir });
        expect(invalid).toEqual([]);
        for (const written of records) {
          const loaded = runs.find((run) => run.record.id === written.id);
          expect(loaded, written.id).toBeDefined();
          expect(exact(carried(loaded!.record))).toBe(exact(carried(written)));
        }
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});
