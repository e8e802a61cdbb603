/**
 * A run directory's metrics.jsonl (series, streamed line by line) and summary.json (final scalars).
 * See the decisions in ./run-dir.ts.
 */
import { setOwn } from '../run/keys.ts';
import { createInterface } from 'node:readline';
import type { SeriesData } from '../run/schema.ts';
import { InvalidRunError, showValue, type FieldIssue } from '../run/validate.ts';
import { MAX_METRICS_FILE_BYTES, openRunFile, readRunText, streamRunFile, type OpenRunFile, type RunFileWarn } from './read-run-file.ts';

import { isMapping, notMapping, parseJsonFile } from './run-dir-json.ts';
import { SYSTEM_FILE, SYSTEM_PREFIX } from './system.ts';

const MAX_ISSUES = 20;

/** A metric value from JSON: numbers, and the non-finite spellings JSON cannot carry. */
function metricNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const spelled: Record<string, number> = {
    nan: Number.NaN,
    infinity: Infinity,
    '+infinity': Infinity,
    '-infinity': -Infinity,
    inf: Infinity,
    '+inf': Infinity,
    '-inf': -Infinity,
  };
  return spelled[value.toLowerCase()];
}

/** Flattens nested objects with `/`: `{val: {acc: 1}}` becomes `val/acc`. */
function flatten(value: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix ? `${prefix}/${key}` : key;
    if (isMapping(inner)) flatten(inner, name, out);
    else setOwn(out, name, inner);
  }
  return out;
}

class SeriesBuilder {
  points = 0;
  step: number[] = [];
  value: number[] = [];
  time: number[] = [];
  timed = true;
  min: number | undefined;
  max: number | undefined;
  last: number | undefined;

  add(step: number, value: number, time: number | undefined): void {
    this.points++;
    this.last = value;
    if (!Number.isFinite(value)) return;
    if (this.min === undefined || value < this.min) this.min = value;
    if (this.max === undefined || value > this.max) this.max = value;
    this.step.push(step);
    this.value.push(value);
    if (time === undefined) this.timed = false;
    else this.time.push(time);
  }

  data(): SeriesData {
    return this.timed && this.time.length ? { step: this.step, value: this.value, time: this.time } : { step: this.step, value: this.value };
  }
}

function timeSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e11 ? value / 1000 : value;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value) / 1000;
  return undefined;
}

/** The lines of a text file, streamed (metrics.jsonl can outgrow a string), and whether it ends with a newline. */
async function* fileLines(file: OpenRunFile): AsyncGenerator<string, boolean> {
  const input = streamRunFile(file, { encoding: 'utf8' });
  let lastChar = '';
  input.on('data', (chunk: string | Buffer) => {
    if (typeof chunk === 'string' && chunk.length > 0) lastChar = chunk.at(-1)!;
  });
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) yield line;
  } finally {
    input.destroy();
  }
  return lastChar === '\n';
}

export async function readMetrics(
  dir: string,
  warn: RunFileWarn,
): Promise<{ series: Map<string, SeriesBuilder>; lastValues: Record<string, number>; lastStep?: number }> {
  const series = new Map<string, SeriesBuilder>();
  const lastStep = await readMetricLines(dir, 'metrics.jsonl', series, warn);
  // The metrics are the job's: system samples stay series (their last value is no result of the run).
  const lastValues: Record<string, number> = {};
  for (const [key, builder] of series) if (builder.last !== undefined) lastValues[key] = builder.last;
  // System samples (src/record/system.ts): their own series, steps in seconds since the start.
  const system = new Map<string, SeriesBuilder>();
  await readMetricLines(dir, SYSTEM_FILE, system, warn);
  for (const [key, builder] of system) if (key.startsWith(SYSTEM_PREFIX) && !series.has(key)) series.set(key, builder);
  return { series, lastValues, ...(lastStep === undefined ? {} : { lastStep }) };
}

/** Adds the points of one JSON-lines file of the run directory to `series`; returns its last step. */
async function readMetricLines(dir: string, file: string, series: Map<string, SeriesBuilder>, warn: RunFileWarn): Promise<number | undefined> {
  const opened = await openRunFile(dir, file, { maxBytes: MAX_METRICS_FILE_BYTES, warn });
  if (!opened) return undefined;
  let lastStep: number | undefined;
  const issues: FieldIssue[] = [];
  // A parse error on the last line is only an error if a newline follows it: without one it is a
  // write cut short by a kill, and the line is dropped.
  let pending: FieldIssue[] = [];
  let previousStep = -1;
  const lines = fileLines(opened);
  let lineNumber = 0;
  for (;;) {
    const next = await lines.next();
    if (next.done) {
      if (next.value) issues.push(...pending);
      break;
    }
    lineNumber++;
    issues.push(...pending);
    pending = [];
    if (issues.length >= MAX_ISSUES) {
      await lines.return(false);
      break;
    }
    const line = next.value.trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = parseJsonFile(line, file, lineNumber - 1);
    } catch (error) {
      if (!(error instanceof InvalidRunError)) throw error;
      pending = error.issues;
      continue;
    }
    if (!isMapping(parsed)) {
      issues.push({ file, line: lineNumber, field: '', message: 'must be a JSON object like {"step": 1, "loss": 0.5}', value: showValue(parsed) });
      continue;
    }
    const row = flatten(parsed);
    let step = previousStep + 1;
    if (row.step !== undefined && row.step !== null) {
      if (typeof row.step !== 'number' || !Number.isFinite(row.step)) {
        issues.push({ file, line: lineNumber, field: 'step', message: 'must be a number', value: showValue(row.step) });
        continue;
      }
      step = row.step;
    }
    previousStep = step;
    lastStep = step;
    let time: number | undefined;
    if (row.time !== undefined && row.time !== null) {
      time = timeSeconds(row.time);
      if (time === undefined) {
        issues.push({ file, line: lineNumber, field: 'time', message: 'must be unix seconds or an ISO 8601 timestamp', value: showValue(row.time) });
        continue;
      }
    }
    for (const [key, raw] of Object.entries(row)) {
      if (key === 'step' || key === 'time' || raw === null) continue;
      const value = metricNumber(raw);
      if (value === undefined) {
        issues.push({ file, line: lineNumber, field: key, message: 'must be a number (or "NaN", "Infinity")', value: showValue(raw) });
        continue;
      }
      let builder = series.get(key);
      if (!builder) series.set(key, (builder = new SeriesBuilder()));
      builder.add(step, value, time);
    }
  }
  if (issues.length)
    throw new InvalidRunError(issues, `Fix the lines named above: each line of ${file} is one JSON object of numbers, e.g. {"step": 10, "loss": 0.52}.`);
  return lastStep;
}

export async function readSummary(dir: string, warn: RunFileWarn): Promise<Record<string, number>> {
  const file = 'summary.json';
  const text = await readRunText(dir, file, warn);
  if (text === undefined) return {};
  const data = parseJsonFile(text, file);
  if (!isMapping(data)) throw notMapping(file, text, data, 'Write summary.json as an object of final metrics, e.g. {"accuracy": 0.93}.');
  const issues: FieldIssue[] = [];
  const out: Record<string, number> = {};
  for (const [key, raw] of Object.entries(flatten(data))) {
    if (raw === null) continue;
    const value = metricNumber(raw);
    if (value === undefined) issues.push({ file, field: key, message: 'must be a number (or "NaN", "Infinity")', value: showValue(raw) });
    else setOwn(out, key, value);
  }
  if (issues.length) throw new InvalidRunError(issues, 'summary.json holds final scalar metrics only; move other values to params or notes.');
  return out;
}
