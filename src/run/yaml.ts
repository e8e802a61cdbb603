/**
 * The one YAML implementation of runpages: every run.yaml, params.yaml, config file and saved
 * comparison is read by {@link parseYaml} and every YAML file runpages writes comes from
 * {@link stringifyYaml} or {@link addYamlFields}. Two parsers once disagreed (js-yaml read the string
 * `'0b101'` the recorder wrote unquoted as the number 5); one library with one set of options cannot.
 *
 * Reading is YAML 1.2 (core schema). Writing also stays safe for YAML 1.1 readers such as PyYAML:
 * a string that YAML 1.1 would read as something else (`yes`, `off`, `~`, `010`, `1:20`,
 * `2026-01-01`, `.NaN`, `=`) is quoted.
 *
 * Reading is bounded: alias expansion (the "billion laughs" bomb) and nesting are limited, and an
 * error names the file, line and column but never quotes the file's content.
 */
import {
  LineCounter,
  Schema,
  parseDocument,
  stringify,
  type CreateNodeOptions,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type ToStringOptions,
} from 'yaml';
import { InvalidRunError } from './validate.ts';
import { MAX_YAML_ALIASES } from './limits.ts';

/**
 * Scalars YAML 1.1 resolves to something other than a string. The `yaml` package's 1.1 schema has
 * all of them but `=` (the 1.1 "value" type, which PyYAML's safe loader cannot even construct).
 */
const YAML_1_1_TAGS = [...new Schema({ schema: 'yaml-1.1' }).tags, { tag: 'tag:yaml.org,2002:value', default: true, test: /^=$/, resolve: () => '=' }];

/** Options of every parse: YAML 1.2 core, a repeated key takes the last value, errors kept plain. */
const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = { prettyErrors: false, uniqueKeys: false, version: '1.2', schema: 'core' };

/** Options of every write: no line folding, no anchors, and scalars a YAML 1.1 reader reads the same. */
const WRITE_OPTIONS: CreateNodeOptions & DocumentOptions & SchemaOptions & ToStringOptions = {
  version: '1.2',
  schema: 'core',
  compat: YAML_1_1_TAGS,
  lineWidth: 0,
  aliasDuplicateObjects: false,
};

/** What the library's error codes mean, in words that quote nothing of the file. */
const SYNTAX: Partial<Record<string, string>> = {
  BAD_INDENT: 'the indentation is wrong',
  BAD_DQ_ESCAPE: 'a double-quoted string has an invalid escape',
  BAD_SCALAR_START: 'a plain value starts with a reserved character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a key spans several lines',
  MULTILINE_IMPLICIT_KEY: 'a key spans several lines',
  MISSING_CHAR: 'a quote or bracket is not closed',
  MULTIPLE_DOCS: 'it holds more than one YAML document',
  TAB_AS_INDENT: 'a tab is used for indentation',
  UNEXPECTED_TOKEN: 'there is an unexpected character',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters',
  DUPLICATE_KEY: 'a key is repeated',
  // The library stops at a nesting depth it cannot handle: too deep for any real file.
  RESOURCE_EXHAUSTION: 'it nests too deeply to read',
};

/**
 * Parses YAML text into plain data; a syntax error names the file, line and column. NaN and Infinity
 * survive (`.nan`, `.inf`). Throws InvalidRunError for a file that is not valid YAML, expands too
 * many aliases, or nests too deeply to read.
 *
 * @example parseYaml('lr: 0.1\nname: "0b101"\n', 'params.yaml') // { lr: 0.1, name: '0b101' }
 */
export function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  let data: unknown;
  try {
    const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
    const first = doc.errors[0];
    if (first) {
      const { line, col } = lineCounter.linePos(first.pos[0]);
      throw new InvalidRunError(
        [
          {
            file,
            field: '',
            message: `is not valid YAML: ${SYNTAX[first.code] ?? first.code.toLowerCase().replaceAll('_', ' ')} (line ${line}, column ${col})`,
            line,
          },
        ],
        'Fix the YAML syntax at the line shown (indentation and quoting are the usual causes).',
      );
    }
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    if (error instanceof InvalidRunError) throw error;
    throw unusable(error, file);
  }
  return data;
}

/** Alias bombs and unresolved aliases (ReferenceError) and nesting deeper than the stack (RangeError) are a bad file, not a crash. */
function unusable(error: unknown, file: string): InvalidRunError {
  if (error instanceof RangeError) {
    return new InvalidRunError([{ file, field: '', message: 'is not usable YAML: it nests too deeply to read' }], 'Flatten the nesting of the file.');
  }
  if (!(error instanceof ReferenceError)) throw error;
  const reason = /excessive alias count/i.test(error.message)
    ? `it expands more than ${MAX_YAML_ALIASES} aliases (&name / *name)`
    : 'it uses an alias (*name) whose anchor (&name) is not set before it';
  return new InvalidRunError(
    [{ file, field: '', message: `is not usable YAML: ${reason}` }],
    'Write the values out instead of nesting aliases (&name / *name).',
  );
}

/**
 * Writes plain data as YAML that {@link parseYaml} and YAML 1.1 readers (PyYAML) both read back
 * as the same values: strings that look like numbers, booleans, nulls or dates are quoted.
 *
 * @example stringifyYaml({ lr: 0.1, name: '0b101' }) // 'lr: 0.1\nname: "0b101"\n'
 */
export function stringifyYaml(value: unknown): string {
  return stringify(value, WRITE_OPTIONS);
}

/**
 * Sets top-level `fields` in YAML text that may carry a user's comments and layout, keeping them;
 * a key already present is left as it is.
 */
export function addYamlFields(text: string, fields: Record<string, unknown>): string {
  const doc = parseDocument(text, { ...PARSE_OPTIONS, ...WRITE_OPTIONS });
  for (const [key, value] of Object.entries(fields)) if (!doc.has(key)) doc.set(key, value);
  return doc.toString(WRITE_OPTIONS);
}
