/**
 * The run record, schema `runpages/run@1` (docs/design.md#run-record): the one definition used by the writer
 * (record/commit), the loader (branch or folder) and the site. Unknown fields are kept (loose objects)
 * so a newer writer's records survive an older reader.
 */
import { z } from 'zod';
import { artifactPathProblem } from './artifact-path.ts';

export const RUN_SCHEMA = 'runpages/run@1';
export const SERIES_SCHEMA = 'runpages/series@1';

/**
 * Statuses a run can have; `running` is a run still in progress. `crashed` is mostly derived when
 * runs are loaded (src/run/liveness.ts): a `running` record whose heartbeat went quiet. Recorders never
 * store it; importers do when their source knew the run died (a wandb run with no exit record).
 */
export const RUN_STATUSES = ['running', 'finished', 'failed', 'killed', 'crashed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Ids are URL- and path-safe: ULIDs for recorded runs, the source's id (e.g. MLflow's 32 hex) for imports. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
/** Project names become folder names and URL segments. */
export const PROJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), {
  message: 'must be an ISO 8601 timestamp such as 2026-11-23T10:00:00Z',
});

/** A metric value: any number, including NaN and ±Infinity (YAML `.nan`, `.inf`), which training produces. */
const metricValue = z.custom<number>((value) => typeof value === 'number', { message: 'must be a number' });

const sha256 = z.string().regex(SHA256_PATTERN, 'must be 64 lowercase hex characters (a sha256 digest)');

export const GitInfoSchema = z.looseObject({
  /** Full commit hash of the code that ran. */
  commit: z.string().optional(),
  branch: z.string().optional(),
  /** Remote URL with any credentials removed. */
  remote: z.string().optional(),
  /** True when the working tree had uncommitted changes. */
  dirty: z.boolean().optional(),
  /** sha256 of the `git diff HEAD` artifact when dirty. */
  diff: sha256.optional(),
});

export const EnvInfoSchema = z.looseObject({
  os: z.string().optional(),
  arch: z.string().optional(),
  cpu: z.string().optional(),
  cpus: z.number().optional(),
  memory_gb: z.number().optional(),
  gpu: z.array(z.string()).optional(),
  /** Runtime name to version, e.g. `{ node: '24.1.0', python: '3.11.7' }`. */
  runtimes: z.record(z.string(), z.string()).optional(),
  /** sha256 of the dependency lock file (package-lock.json, uv.lock, requirements.txt, ...). */
  lock: z.looseObject({ file: z.string(), sha256 }).optional(),
  /** Allowlisted environment variables only (CUDA_VISIBLE_DEVICES, SLURM_JOB_ID, ...). */
  vars: z.record(z.string(), z.string()).optional(),
});

export const DatasetSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().optional(),
  sha256: sha256.optional(),
  uri: z.string().optional(),
});

export const ArtifactSchema = z.looseObject({
  /**
   * Path relative to the run's artifacts/ folder, with `/` separators; never absolute, never `..`,
   * never through a `.git` folder (see artifact-path.ts: `pull` writes it under the user's folder).
   */
  path: z
    .string()
    .min(1)
    .superRefine((p, context) => {
      const problem = artifactPathProblem(p);
      if (problem) context.addIssue({ code: 'custom', message: `must be a relative path inside the run; ${JSON.stringify(p)} ${problem}` });
    }),
  sha256,
  size: z.number().int().nonnegative(),
  /** MIME type, e.g. `image/png`. */
  type: z.string().optional(),
});

export const SeriesInfoSchema = z.looseObject({
  /** Points logged at full resolution. */
  points: z.number().int().nonnegative(),
  /** Points kept in the branch's series.json (at most 1,000). */
  stored: z.number().int().nonnegative(),
  /** sha256 of the full-resolution series in the object store, when it was downsampled. */
  sha256: sha256.optional(),
  min: metricValue.optional(),
  max: metricValue.optional(),
  last: metricValue.optional(),
});

export const RunRecordSchema = z.looseObject({
  schema: z.literal(RUN_SCHEMA, { message: `must be "${RUN_SCHEMA}" (this runpages reads only that version)` }),
  id: z.string().regex(RUN_ID_PATTERN, 'must be 1-80 letters, digits, "-" or "_", starting with a letter or digit'),
  name: z.string().min(1).max(200),
  project: z.string().regex(PROJECT_PATTERN, 'must be 1-64 letters, digits, ".", "-" or "_", starting with a letter or digit'),
  experiment: z.string().max(200).optional(),
  status: z.enum(RUN_STATUSES),
  user: z.string().optional(),
  host: z.string().optional(),
  created: isoTime,
  ended: isoTime.optional(),
  /** When a live run last reported (the recorder's heartbeats); liveness is judged from it. */
  heartbeat: isoTime.optional(),
  /** The last step logged so far (live runs), and the steps the job said it will take. */
  step: z.number().optional(),
  total_steps: z.number().nonnegative().optional(),
  /** Hidden from tables, summaries and leaderboards (`runpages archive`); its page stays. */
  archived: z.boolean().optional(),
  duration_s: z.number().nonnegative().optional(),
  /** The command line, with secret-looking arguments masked. */
  command: z.string().optional(),
  exit_code: z.number().int().optional(),
  /** Last lines of the command's stdout/stderr (secrets masked). */
  output_tail: z.string().optional(),
  git: GitInfoSchema.optional(),
  env: EnvInfoSchema.optional(),
  data: z.array(DatasetSchema).default([]),
  /** Nested params; leaves are scalars or lists. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Summary scalars. */
  metrics: z.record(z.string(), metricValue).default({}),
  series: z.record(z.string(), SeriesInfoSchema).default({}),
  tags: z.array(z.string().max(200)).default([]),
  notes: z.string().optional(),
  artifacts: z.array(ArtifactSchema).default([]),
  parents: z.array(z.string().regex(RUN_ID_PATTERN, 'must be a run id')).default([]),
});

export type RunRecord = z.infer<typeof RunRecordSchema>;
export type RunRecordInput = z.input<typeof RunRecordSchema>;
export type GitInfo = z.infer<typeof GitInfoSchema>;
export type EnvInfo = z.infer<typeof EnvInfoSchema>;
export type Dataset = z.infer<typeof DatasetSchema>;
export type Artifact = z.infer<typeof ArtifactSchema>;
export type SeriesInfo = z.infer<typeof SeriesInfoSchema>;

/**
 * `series.json`, stored beside `run.yaml` on the branch: each series downsampled to at most 1,000
 * points, columnar so it stays small. `time` holds unix seconds when the writer logged them.
 */
export const SeriesFileSchema = z.looseObject({
  schema: z.literal(SERIES_SCHEMA, { message: `must be "${SERIES_SCHEMA}"` }),
  series: z.record(
    z.string(),
    z
      .looseObject({
        step: z.array(z.number()),
        value: z.array(metricValue),
        time: z.array(z.number()).optional(),
      })
      .refine((s) => s.step.length === s.value.length && (s.time === undefined || s.time.length === s.step.length), {
        message: 'step, value and time must have the same length',
      }),
  ),
});

export type SeriesFile = z.infer<typeof SeriesFileSchema>;
export type SeriesData = SeriesFile['series'][string];

export { MAX_STORED_POINTS } from './limits.ts';
