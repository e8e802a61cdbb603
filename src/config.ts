/**
 * `runpages.config.yaml` (docs/design.md#config): every key optional. Read once at the edge; an invalid config
 * is an error naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RunpagesError } from './errors.ts';
import { formatIssue, zodIssues } from './run/validate.ts';
import { parseYaml } from './run/yaml.ts';
import { parseQuery } from './query/parser.ts';
import { DEFAULT_SITE_MEDIA_BUDGET_MB } from './run/limits.ts';

export const CONFIG_FILE = 'runpages.config.yaml';

export const MetricDisplaySchema = z.strictObject({
  /** Human name, e.g. "Validation accuracy". */
  label: z.string().optional(),
  /** Unit shown after the value, e.g. "ms". */
  unit: z.string().optional(),
  /** `percent` shows 0.934 as 93.4 %; `number` is the default. */
  format: z.enum(['number', 'percent', 'integer', 'duration']).optional(),
  /** Digits after the decimal point. */
  digits: z.number().int().min(0).max(10).optional(),
  /** Which way is better: `max`, `min`, or `none` (no better/worse verdict); guessed from the name when absent. */
  direction: z.enum(['max', 'min', 'none']).optional(),
});

export const GoalSchema = z.strictObject({
  /** The metric that decides which run is best. */
  metric: z.string(),
  direction: z.enum(['max', 'min']).default('max'),
  /** The value the team is aiming for. */
  target: z.number().optional(),
  /** The value to beat: a number, or a run id whose metric is the baseline. */
  baseline: z.union([z.number(), z.string()]).optional(),
});

/** A query-language filter: one that does not parse fails the config with the parser's message. */
const QueryText = z.string().superRefine((text, context) => {
  try {
    parseQuery(text);
  } catch (error) {
    context.addIssue({ code: 'custom', message: `is not a valid query: ${error instanceof Error ? error.message : String(error)}` });
  }
});

/** A named view of the run table, shown as a tab above it. */
export const TableViewSchema = z.strictObject({
  /** Tab text, e.g. "Best ResNets". */
  name: z.string().min(1).max(60),
  /** Query-language filter, e.g. `params.model.arch = 'resnet50' and status = 'finished'`. */
  filter: QueryText.optional(),
  /** Full-text search words. */
  q: z.string().optional(),
  /** Sort keys in order, `-` for descending, e.g. `[-metrics.val/acc]`. */
  sort: z.array(z.string().min(1)).optional(),
  /** Column to group by, e.g. `params.model.arch`. */
  group: z.string().min(1).optional(),
  /** Visible columns in order; default the project's columns. */
  columns: z.array(z.string().min(1)).optional(),
});

export const ProjectConfigSchema = z.strictObject({
  title: z.string().optional(),
  description: z.string().optional(),
  goal: GoalSchema.optional(),
  /** Default table columns, e.g. `[name, status, params.lr, metrics.val/acc]`. */
  columns: z.array(z.string()).optional(),
  /** Named views of the run table, shown as tabs above it: `[{ name: Best, sort: [-metrics.val/acc] }]`. */
  views: z.array(TableViewSchema).max(20).optional(),
  metrics: z.record(z.string(), MetricDisplaySchema).optional(),
});

/** GitHub's recommendation ("Repository limits"): at most 6 pushes per minute per repository. */
export const DEFAULT_PUSHES_PER_MINUTE = 6;

const RUN_PAGES_ERROR = 'must be auto, all or a whole number of runs above 0';

export const ConfigSchema = z.strictObject({
  title: z.string().default('runpages'),
  /** The branch runs are committed to. */
  branch: z.string().default('runs'),
  /** Remote to publish to. */
  remote: z.string().default('origin'),
  /** Object store URI: a path, file://..., or s3://bucket/prefix. */
  store: z.string().default('.runpages/objects'),
  /** Public base URL of the object store, used to link artifacts from the site. */
  publicUrl: z.string().optional(),
  site: z
    .strictObject({
      /** Base path the site is served under, e.g. `/my-repo/` on GitHub Pages. */
      base: z.string().default('/'),
      /** Absolute site URL, used for Open Graph links. */
      url: z.string().optional(),
      /**
       * Run page charts: `plot` (Observable Plot SVGs with axes and a log-scale variant, ~5 ms each),
       * `compact` (a light SVG line with its range, ~0.1 ms and ~2 KB each, for big sites), or `auto`
       * (plot up to 2,000 runs, compact above).
       */
      charts: z.enum(['auto', 'plot', 'compact']).default('auto'),
      /**
       * How many runs get a full pre-rendered page: `auto` (every run up to 20,000; above that 5,000),
       * `all`, or a number. The others get a lean page at the same URL, drawn in the browser from the
       * site's run data (GitHub Pages' 1 GB holds about 10 KB a run at 100k runs).
       */
      runPages: z.union([z.enum(['auto', 'all']), z.number().int(RUN_PAGES_ERROR).positive(RUN_PAGES_ERROR)], { error: RUN_PAGES_ERROR }).default('auto'),
      /**
       * Megabytes of media (images, tables, texts; docs/design.md#media) the site copies in, newest
       * runs first; what does not fit is linked through `publicUrl` or listed on /report/.
       */
      mediaBudget: z
        .number({ error: 'must be a number of megabytes, e.g. 300' })
        .nonnegative('must be a number of megabytes, e.g. 300')
        .default(DEFAULT_SITE_MEDIA_BUDGET_MB),
    })
    .default({ base: '/', charts: 'auto', runPages: 'auto', mediaBudget: DEFAULT_SITE_MEDIA_BUDGET_MB }),
  /**
   * Live runs (docs/recording.md#live-runs): `record` and the API publish a `running` run every
   * `interval` seconds; a `running` run not heard from for `staleAfter` seconds (default 3 x
   * interval) shows as `crashed`. `live: false` turns the heartbeats off (staleness still applies).
   */
  live: z
    .union([
      z.literal(false),
      z.strictObject({
        interval: z.number().positive().default(120),
        staleAfter: z.number().positive().optional(),
        /**
         * Seconds between writes of a running run's live object (S3 stores with `publicUrl` only,
         * docs/recording.md#the-live-object); 0 turns it off. Default 30.
         */
        objectInterval: z.number().nonnegative().optional(),
      }),
    ])
    .default({ interval: 120 }),
  /**
   * System metrics (docs/recording.md#system-metrics): `record` and the clients sample the job's CPU,
   * memory and GPUs every `interval` seconds as `system/...` series. `system: false` turns it off.
   */
  system: z
    .union([
      z.literal(false),
      z.strictObject({
        interval: z.number().positive().default(15),
      }),
    ])
    .default({ interval: 15 }),
  /**
   * Pushes to the remote (docs/design.md#branch, src/branch/push-rate.ts): at most `perMinute`
   * pushes land on the runs branch in any minute, counted from the remote branch, so writers on
   * every machine share the one budget (default 6, GitHub's recommendation; 0: no bound). Runs
   * waiting for a slot go up together; a heartbeat that finds no slot is skipped.
   */
  push: z.strictObject({ perMinute: z.number().min(0).default(DEFAULT_PUSHES_PER_MINUTE) }).default({ perMinute: DEFAULT_PUSHES_PER_MINUTE }),
  projects: z.record(z.string(), ProjectConfigSchema).default({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ProjectConfig = z.infer<typeof ProjectConfigSchema>;
export type Goal = z.infer<typeof GoalSchema>;
export type MetricDisplay = z.infer<typeof MetricDisplaySchema>;
export type TableViewConfig = z.infer<typeof TableViewSchema>;

/** Validates config data (already parsed from YAML). */
export function parseConfig(data: unknown, file = CONFIG_FILE): Config {
  const result = ConfigSchema.safeParse(data ?? {});
  if (!result.success) {
    const issues = zodIssues(file, data, result.error);
    const unknown = result.error.issues.find((issue) => issue.code === 'unrecognized_keys');
    const known = unknown ? keysAt(ConfigSchema, unknown.path) : [];
    const where = unknown && unknown.path.length > 0 ? `under ${unknown.path.map(String).join('.')}` : 'at the top level';
    throw new RunpagesError('invalid-config', issues.map(formatIssue).join('\n'), {
      hint:
        known.length > 0
          ? `Check the spelling: the keys ${where} are ${known.join(', ')}.`
          : `Fix the key named above in ${file}; every key is optional (see the README's configuration section).`,
    });
  }
  return result.data;
}

/** The part of a zod schema's definition needed to walk it. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
}

/** Keys the config schema accepts at `path` (record keys such as project names are any string). */
function keysAt(schema: z.core.$ZodType, path: PropertyKey[]): string[] {
  const def = schema._zod.def as SchemaDef;
  if (def.innerType) return keysAt(def.innerType, path);
  if (def.type === 'record' && def.valueType && path.length > 0) return keysAt(def.valueType, path.slice(1));
  if (def.type !== 'object' || !def.shape) return [];
  if (path.length === 0) return Object.keys(def.shape);
  const next = def.shape[String(path[0])];
  return next ? keysAt(next, path.slice(1)) : [];
}

/** Loads `runpages.config.yaml` from `cwd`, or the defaults when there is none. */
export function loadConfig(cwd: string): Config {
  const file = join(cwd, CONFIG_FILE);
  if (!existsSync(file)) return parseConfig({});
  return parseConfig(parseYaml(readFileSync(file, 'utf8'), CONFIG_FILE), CONFIG_FILE);
}
