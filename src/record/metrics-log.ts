/**
 * One line of metrics.jsonl from `key=value` text (the `runpages log` command). Values must be
 * numbers; NaN and ±Infinity are written as the strings the run-directory reader accepts.
 */
import { setOwn } from '../run/keys.ts';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunpagesError } from '../errors.ts';

/** A JSON-safe metric value: finite numbers as is, NaN and ±Infinity as strings. */
function jsonMetric(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

function parseNumber(text: string): number | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/**
 * The JSON line for `pairs` such as `['loss=0.5', 'val/acc=0.9']`, with `step` when given and `time`
 * in unix seconds.
 *
 * @example
 * metricsLine(['loss=0.5'], '10', new Date(0)) // '{"step":10,"loss":0.5,"time":0}'
 */
export function metricsLine(pairs: readonly string[], step: string | undefined, now: Date): string {
  const row: Record<string, number | string> = {};
  if (step !== undefined) {
    const value = parseNumber(step);
    if (value === undefined || !Number.isFinite(value)) {
      throw new RunpagesError('invalid-metric', `--step ${JSON.stringify(step)} is not a number`, { hint: 'Give the step as a number: --step 100' });
    }
    row.step = value;
  }
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at);
    const value = at > 0 ? parseNumber(pair.slice(at + 1)) : undefined;
    if (key === 'step' || key === 'time') {
      throw new RunpagesError('invalid-metric', `"${key}" is not a metric: it is part of every line`, {
        hint: 'Give the step with --step N (default: one more than the last); the time is added for you.',
      });
    }
    if (at <= 0) {
      throw new RunpagesError('invalid-metric', `${JSON.stringify(pair)} is not a metric (key=value)`, {
        hint: 'Write metrics as key=value, e.g. runpages log --step 10 loss=0.52 (use --step for the step).',
      });
    }
    if (value === undefined) {
      throw new RunpagesError('invalid-metric', `metric "${key}" must be a number (got ${JSON.stringify(pair.slice(at + 1))})`, {
        hint: 'Metrics are numbers (nan and inf are allowed); record text as a param or in notes.md.',
      });
    }
    setOwn(row, key, jsonMetric(value));
  }
  row.time = now.getTime() / 1000;
  return JSON.stringify(row);
}

/** Appends one metrics line to `<runDir>/metrics.jsonl`; `runDir` comes from RUNPAGES_DIR. */
export async function appendMetricsLine(runDir: string | undefined, pairs: readonly string[], step: string | undefined, now: Date): Promise<void> {
  if (!runDir) {
    throw new RunpagesError('not-recording', 'RUNPAGES_DIR is not set, so there is no run to log to.', {
      hint: 'Run your script under the recorder, which sets it: runpages record -- sh train.sh',
    });
  }
  const line = `${metricsLine(pairs, step, now)}\n`;
  try {
    await appendFile(join(runDir, 'metrics.jsonl'), line);
  } catch (error) {
    throw new RunpagesError('run-dir-missing', `cannot append to ${join(runDir, 'metrics.jsonl')}: ${(error as Error).message}`, {
      hint: 'RUNPAGES_DIR must name the run directory that "runpages record" created; run the job under runpages record.',
      cause: error,
    });
  }
}

/**
 * Records how many steps the job will take (`runpages log --total-steps N`), in the run's run.yaml,
 * so a live run shows its progress (step of total).
 */
export async function setTotalSteps(runDir: string | undefined, total: string): Promise<void> {
  if (!runDir) {
    throw new RunpagesError('not-recording', 'RUNPAGES_DIR is not set, so there is no run to log to.', {
      hint: 'Run your script under the recorder, which sets it: runpages record -- sh train.sh',
    });
  }
  const value = Number(total);
  if (total.trim() === '' || !Number.isInteger(value) || value < 0) {
    throw new RunpagesError('invalid-metric', `--total-steps ${JSON.stringify(total)} is not a whole number of steps`, {
      hint: 'For example: --total-steps 1000',
    });
  }
  const { updateRunYaml } = await import('./session.ts');
  await updateRunYaml(runDir, { total_steps: value });
}
