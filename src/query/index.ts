/**
 * The query language (docs/design.md#query-language), shared by `runpages ls` and the site. No Node imports: it runs in
 * the browser. Parse with `parseQuery`, evaluate with `compileQuery` over any RowAccess.
 */
export { ATTRIBUTES, fieldsOf } from './ast.ts';
export type { Attribute, ComparisonOp, DurationUnit, FieldKind, FieldRef, Literal, Query } from './ast.ts';
export { completions } from './completion.ts';
export type { Completion } from './completion.ts';
export { QueryError, caretDisplay } from './error.ts';
export { compileQuery } from './evaluate.ts';
export type { CompileOptions, RowAccess } from './evaluate.ts';
export { parseField, parseQuery } from './parser.ts';
export { printField, printQuery } from './printer.ts';
export { recordAccess, recordValue } from './record.ts';
export { formatTag, parseTag, tagValue } from './tags.ts';
