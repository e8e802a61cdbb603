/**
 * The runpages library: the public API, re-exported. See README.md for the guide.
 */
export { startRun, Run, type StartRunOptions, type PublishOutcome } from './record/api.ts';
export { prepareRunDir, type RunOverrides, type RunDirContext } from './record/run-dir.ts';
export { downsample } from './record/downsample.ts';
export { redactParams, redactArgs, redactText, isSecretKey } from './record/redact.ts';
export { ulid, friendlyName } from './record/id.ts';
export { publishRuns, publishQueue, type PublishOptions } from './branch/publish.ts';
export { loadConfig, parseConfig, type Config, type ProjectConfig, type Goal } from './config.ts';
export { RunpagesError, isRunpagesError } from './errors.ts';
export {
  RUN_SCHEMA,
  SERIES_SCHEMA,
  MAX_STORED_POINTS,
  RunRecordSchema,
  SeriesFileSchema,
  type RunRecord,
  type RunStatus,
  type SeriesFile,
  type SeriesData,
  type Artifact,
  type GitInfo,
  type EnvInfo,
} from './run/schema.ts';
export { parseRunRecord, parseSeriesFile, InvalidRunError, type FieldIssue } from './run/validate.ts';
export { runFolder, type PreparedRun, type PendingObject } from './run/prepared.ts';
export { openStore } from './store/open.ts';
export type { ObjectStore } from './store/store.ts';
export { loadRuns, type LoadedRun, type LoadResult } from './index/load.ts';
export { runSource, type RunSource } from './index/source.ts';
export { scanMlflow, type MlflowOptions } from './import/mlflow.ts';
export { scanTensorBoard, type TensorBoardOptions } from './import/tensorboard.ts';
export { publishImported, type ImportTask, type ImportOutcome, type ImportPublishOptions } from './import/batch.ts';
export type { ImportedRun, ImportedSeries } from './import/imported-run.ts';
export { parseQuery, compileQuery, printQuery, recordAccess, QueryError, type Query } from './query/index.ts';
export { compareRuns, resolveRunIds, flattenParams, type Comparison, type ComparedRun, type CompareOptions } from './report/compare.ts';
export { comparisonMarkdown, comparisonText } from './cli/compare-text.ts';
export { summarize, type Summary, type SummaryOptions } from './report/summary.ts';
export { chooseGoal, type ChosenGoal } from './report/goal.ts';
export { publishWorkflow, triggerWorkflow, setUpGithubPages } from './hosting/github-pages.ts';
