/**
 * Writes an MLflow file store (`mlruns/`) in the layout of MLflow's file_store.py, from a plain
 * description, so tests can state MLflow runs as MLflow's own tests do.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface MlflowDataset {
  name: string;
  digest: string;
  context?: string;
}

export interface MlflowRun {
  run_id: string;
  experiment_id?: string;
  run_name?: string;
  user_id?: string;
  /** RUNNING, SCHEDULED, FINISHED, FAILED, KILLED. */
  status?: string;
  start_time?: number;
  end_time?: number | null;
  metrics?: Record<string, number | [timestamp: number, value: number, step: number][]>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasets?: MlflowDataset[];
}

const STATUS: Record<string, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };

/** Writes `runs` under `root` (experiments created as needed, named `exp-<id>`); returns `root`. */
export function writeMlruns(root: string, runs: readonly MlflowRun[]): string {
  const write = (path: string, content: string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  };
  for (const run of runs) {
    const experiment = run.experiment_id ?? '0';
    const experimentDir = join(root, experiment);
    write(join(experimentDir, 'meta.yaml'), `experiment_id: '${experiment}'\nname: exp-${experiment}\nlifecycle_stage: active\nartifact_location: ''\n`);
    const dir = join(experimentDir, run.run_id);
    const end = run.end_time === undefined ? (run.start_time ?? 0) + 1 : run.end_time;
    write(
      join(dir, 'meta.yaml'),
      [
        `run_id: ${run.run_id}`,
        `run_uuid: ${run.run_id}`,
        `experiment_id: '${experiment}'`,
        `run_name: ${JSON.stringify(run.run_name ?? run.run_id)}`,
        `user_id: ${JSON.stringify(run.user_id ?? 'user-id')}`,
        `status: ${STATUS[run.status ?? 'FINISHED']}`,
        `start_time: ${run.start_time ?? 0}`,
        `end_time: ${end === null ? 'null' : end}`,
        'lifecycle_stage: active',
        "artifact_uri: ''",
        '',
      ].join('\n'),
    );
    for (const [key, value] of Object.entries(run.metrics ?? {})) {
      const lines = typeof value === 'number' ? [[0, value, 0]] : value;
      write(join(dir, 'metrics', ...key.split('/')), lines.map(([t, v, s]) => `${t} ${v} ${s}\n`).join(''));
    }
    for (const [key, value] of Object.entries(run.params ?? {})) write(join(dir, 'params', ...key.split('/')), value);
    for (const [key, value] of Object.entries(run.tags ?? {})) write(join(dir, 'tags', ...key.split('/')), value);
    for (const dataset of run.datasets ?? []) {
      const datasetId = md5(dataset.name + dataset.digest);
      write(
        join(experimentDir, 'datasets', datasetId, 'meta.yaml'),
        `name: ${JSON.stringify(dataset.name)}\ndigest: ${JSON.stringify(dataset.digest)}\nsource_type: local\nsource: ${JSON.stringify('{"uri": "/data"}')}\n`,
      );
      const tags = dataset.context === undefined ? '{}' : `\n  mlflow.data.context: ${dataset.context}`;
      write(
        join(dir, 'inputs', md5(datasetId + run.run_id), 'meta.yaml'),
        `source_type: DATASET\nsource_id: ${datasetId}\ndestination_type: RUN\ndestination_id: ${datasetId}\ntags: ${tags}\n`,
      );
    }
  }
  return root;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
