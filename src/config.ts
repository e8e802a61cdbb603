/**
 * `runpages.config.yaml` (DESIGN §10): every key optional. Read once at the edge; an invalid config
 * is an error naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RunpagesError } from './errors.ts';
import { formatIssue, parseYaml, zodIssues } from './run/validate.ts';

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

export const ProjectConfigSchema = z.strictObject({
  title: z.string().optional(),
  description: z.string().optional(),
  goal: GoalSchema.optional(),
  /** Default table columns, e.g. `[name, status, params.lr, metrics.val/acc]`. */
  columns: z.array(z.string()).optional(),
  metrics: z.record(z.string(), MetricDisplaySchema).optional(),
});

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
    })
    .default({ base: '/' }),
  projects: z.record(z.string(), ProjectConfigSchema).default({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ProjectConfig = z.infer<typeof ProjectConfigSchema>;
export type Goal = z.infer<typeof GoalSchema>;
export type MetricDisplay = z.infer<typeof MetricDisplaySchema>;

/** Validates config data (already parsed from YAML). */
export function parseConfig(data: unknown, file = CONFIG_FILE): Config {
  const result = ConfigSchema.safeParse(data ?? {});
  if (!result.success) {
    const issues = zodIssues(file, data, result.error);
    throw new RunpagesError('invalid-config', issues.map(formatIssue).join('\n'), {
      hint: `Fix the key named above in ${file}; every key is optional (see the README's configuration section).`,
    });
  }
  return result.data;
}

/** Loads `runpages.config.yaml` from `cwd`, or the defaults when there is none. */
export function loadConfig(cwd: string): Config {
  const file = join(cwd, CONFIG_FILE);
  if (!existsSync(file)) return parseConfig({});
  return parseConfig(parseYaml(readFileSync(file, 'utf8'), CONFIG_FILE), CONFIG_FILE);
}
