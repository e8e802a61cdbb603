/**
 * The query language's syntax tree (docs/design.md#query-language): what `parseQuery` produces, `printQuery` prints and
 * `compileQuery` evaluates. Plain data with no positions, so two queries that mean the same text
 * compare equal.
 */

/**
 * Where a field lives in a run: `metrics.x`, `params.x`, `tags.x`, a bare attribute (`status`), or
 * `datasets.name|digest|context` (a run has several datasets: a condition holds when one of them matches).
 */
export type FieldKind = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

/** A field a query refers to. Param names may be dotted paths into nested params (`optimizer.lr`). */
export interface FieldRef {
  kind: FieldKind;
  name: string;
}

/** Units of a duration literal (`90s`, `1.5h`, `-7d`); for `created`/`ended` it is an offset from now. */
export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w';

export type Literal = { type: 'number'; value: number } | { type: 'string'; value: string } | { type: 'duration'; amount: number; unit: DurationUnit };

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Query =
  /** The empty query: every run. Only ever the whole query. */
  | { type: 'all' }
  /** Two or more conditions that must all hold. */
  | { type: 'and'; items: Query[] }
  /** Two or more conditions of which one must hold. */
  | { type: 'or'; items: Query[] }
  | { type: 'not'; item: Query }
  | { type: 'compare'; field: FieldRef; op: ComparisonOp; value: Literal }
  /** SQL LIKE: `%` any run of characters, `_` one character, `\%` and `\_` literal. */
  | { type: 'like'; field: FieldRef; pattern: string; caseInsensitive: boolean; negated: boolean }
  | { type: 'in'; field: FieldRef; values: Literal[]; negated: boolean }
  /** A field alone (`tags.baseline`): the run has it. */
  | { type: 'exists'; field: FieldRef }
  /** A bare word or quoted phrase: full-text search. */
  | { type: 'text'; term: string };

/** Field prefixes as written in queries, singular and plural as MLflow accepts them. */
export const FIELD_PREFIXES: Readonly<Record<string, FieldKind>> = {
  metrics: 'metric',
  metric: 'metric',
  params: 'param',
  param: 'param',
  tags: 'tag',
  tag: 'tag',
  parameters: 'param',
  parameter: 'param',
  attributes: 'attribute',
  attribute: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  datasets: 'dataset',
  dataset: 'dataset',
};

/** What `datasets.<key>` can name, as in MLflow. */
export const DATASET_KEYS: ReadonlySet<string> = new Set(['name', 'digest', 'context']);

/** The prefix `printQuery` writes for each kind (attributes are written bare). */
export const CANONICAL_PREFIX: Readonly<Record<Exclude<FieldKind, 'attribute'>, string>> = {
  metric: 'metrics',
  param: 'params',
  tag: 'tags',
  dataset: 'datasets',
};

/** Run attributes a query can name bare; `created`/`ended` are dates, `duration` is seconds. */
export const ATTRIBUTES = ['id', 'name', 'project', 'experiment', 'status', 'user', 'host', 'created', 'ended', 'duration'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** MLflow's attribute names, accepted so users' habits carry over. */
export const ATTRIBUTE_ALIASES: Readonly<Record<string, Attribute>> = {
  run_id: 'id',
  run_name: 'name',
  start_time: 'created',
  end_time: 'ended',
  user_id: 'user',
  experiment_id: 'experiment',
  // MLflow's alternate names (search_utils.py: _ALTERNATE_NUMERIC_ATTRIBUTES, _ALTERNATE_STRING_ATTRIBUTES).
  'run name': 'name',
};

/** MLflow attributes runpages has no data for: naming one is an error that says so. */
export const MISSING_ATTRIBUTES: Readonly<Record<string, string>> = {
  artifact_uri: 'runpages keeps artifacts in its object store, not at an artifact URI; list them with `runpages show <run-id>`',
  lifecycle_stage: 'deleted MLflow runs are not imported unless --include-deleted; their stage is kept as mlflow.lifecycle_stage in run.yaml',
};

export const DATE_ATTRIBUTES: ReadonlySet<string> = new Set(['created', 'ended']);

/** Keywords of the language, matched case-insensitively; as search terms they must be quoted. */
export const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'like', 'ilike', 'is', 'null']);

/** Resolves an attribute name or MLflow alias (case-insensitive) to the canonical attribute. */
export function attributeNamed(name: string): Attribute | undefined {
  const lower = name.toLowerCase();
  return (ATTRIBUTES as readonly string[]).includes(lower) ? (lower as Attribute) : ATTRIBUTE_ALIASES[lower];
}

/**
 * The distinct fields a query refers to, in order of first appearance: the site loads only these
 * columns. Example: `fieldsOf(parseQuery("metrics.acc > 0.9 and status = 'finished'"))`
 * gives `[{ kind: 'metric', name: 'acc' }, { kind: 'attribute', name: 'status' }]`.
 */
export function fieldsOf(query: Query): FieldRef[] {
  const seen = new Map<string, FieldRef>();
  const visit = (node: Query): void => {
    switch (node.type) {
      case 'and':
      case 'or':
        node.items.forEach(visit);
        return;
      case 'not':
        visit(node.item);
        return;
      case 'compare':
      case 'like':
      case 'in':
      case 'exists': {
        const key = `${node.field.kind}\0${node.field.name}`;
        if (!seen.has(key)) seen.set(key, { kind: node.field.kind, name: node.field.name });
        return;
      }
      case 'all':
      case 'text':
        return;
    }
  };
  visit(query);
  return [...seen.values()];
}
