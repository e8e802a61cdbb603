/**
 * The TypeScript API for recording from inside a Node job: `startRun`, then `log` in the hot loop,
 * then `finish`. It writes the same run directory as `runpages record` (docs/design.md#run-directory) and publishes
 * it the same way. Under `runpages record` it joins the run being recorded instead of starting another.
 */
import { keyPath, setOwn, setPath } from '../run/keys.ts';
import { artifactPathProblem } from '../run/artifact-path.ts';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { appendFile, cp, mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { RunStatus } from '../run/schema.ts';
import { loadConfig } from '../config.ts';
import { heartbeatInterval, heartbeatRun, type Heartbeats } from './heartbeat.ts';
import { startSystemMetrics, systemInterval, type SystemMetrics } from './system.ts';
import { startLiveObject } from './live-object.ts';
import { redactParams, redactText } from './redact.ts';
import { confusionFrom, histogramOf, prCurve, rocCurve } from '../run/curves.ts';
import type { CurveData, TableCell } from '../run/media.ts';
import { jsonBytes, logMedium, type LogOutcome, type MediumOptions } from './media-log.ts';
import { attachRunDir, closeRunDir, openRunDir, updateRunYaml, type PublishOutcome, type RunSession } from './session.ts';

export type { PublishOutcome } from './session.ts';

export interface StartRunOptions {
  /** Project of the run (default: the repository's folder name). */
  project?: string;
  name?: string;
  params?: Record<string, unknown>;
  tags?: string[];
  /**
   * Run directory (default: `.runpages/runs/<id>/` under the repository root). When unset and the job
   * runs under `runpages record` (RUNPAGES_DIR is set), the run is the one being recorded: `finish`
   * then leaves publishing to `record`.
   */
  dir?: string;
  /** Where the job runs: git state and config are read from its repository (default: process.cwd()). */
  cwd?: string;
  /** The steps the job will take, shown as the live run's progress (step of total). */
  totalSteps?: number;
}

/** Buffered metrics are written once they reach this many characters (and on finish). */
const FLUSH_CHARS = 64 * 1024;

/**
 * A run in progress. Create it with {@link startRun}.
 */
export class Run {
  /** The run id (a ULID). */
  readonly id: string;
  /** The run directory being written. */
  readonly dir: string;
  readonly #session: RunSession;
  /** Joined a run that `runpages record` opened and will publish. */
  readonly #attached: boolean;
  readonly #options: StartRunOptions;
  readonly #metricsFile: string;
  readonly #params: Record<string, unknown> = {};
  readonly #tags: string[] = [];
  /** Quoted JSON keys, so a log call builds its line without stringifying objects. */
  readonly #keys = new Map<string, string>();
  #buffer = '';
  #step = -1;
  /** metrics.jsonl, open for appending; written synchronously in large chunks (cheaper than queuing async writes). */
  #fd: number | undefined;
  #finished = false;
  /** Heartbeats of a run this process publishes (none when joined to `runpages record`, which sends them). */
  #heartbeats: Heartbeats | undefined;
  /** System metrics of this process, sampled beside the heartbeats (none when joined to `runpages record`). */
  #system: SystemMetrics | undefined;
  /** The live object a running run's page reads (S3 stores with publicUrl only). */
  #liveObject: ReturnType<typeof startLiveObject>;
  /** The `time` field's text, rebuilt only when the millisecond changes (formatting a double is the costly part of a log call). */
  #timeMs = -1;
  #timeText = '';
  // The process is exiting without finish(): keep what was logged on disk.
  readonly #flushOnExit = (): void => this.flush();

  constructor(session: RunSession, options: StartRunOptions, attached = false) {
    this.#session = session;
    this.#attached = attached;
    this.#options = options;
    this.id = session.id;
    this.dir = session.dir;
    this.#metricsFile = join(session.dir, 'metrics.jsonl');
    for (const [key, value] of Object.entries(options.params ?? {})) setOwn(this.#params, key, value);
    this.#tags.push(...(options.tags ?? []));
    process.once('exit', this.#flushOnExit);
  }

  /**
   * Logs metrics at a step (default: one more than the last). Buffered: cheap enough for a hot loop;
   * the buffer is written in chunks and on finish.
   *
   * @example
   * for (let step = 0; step < 1000; step++) run.log({ 'train/loss': loss, lr }, { step });
   */
  log(metrics: Record<string, number>, options?: { step?: number }): void {
    const step = options?.step ?? this.#step + 1;
    this.#step = step;
    let line = `{"step":${step}`;
    for (const key in metrics) {
      const value = metrics[key]!;
      let quoted = this.#keys.get(key);
      if (quoted === undefined) {
        // `step` and `time` are the line's own fields: a metric of that name would overwrite them.
        quoted = key === 'step' || key === 'time' ? '' : `,${JSON.stringify(key)}:`;
        this.#keys.set(key, quoted);
      }
      if (quoted === '') continue;
      line += quoted + (Number.isFinite(value) ? value : typeof value === 'number' ? `"${value}"` : 'null');
    }
    const ms = Date.now();
    if (ms !== this.#timeMs) {
      this.#timeMs = ms;
      this.#timeText = `,"time":${ms / 1000}}\n`;
    }
    this.#buffer += line + this.#timeText;
    if (this.#buffer.length >= FLUSH_CHARS) this.flush();
  }

  /**
   * @internal Starts publishing the run as live every interval (docs/recording.md#live-runs) and
   * sampling system metrics, unless the config or RUNPAGES_LIVE_INTERVAL / RUNPAGES_SYSTEM_INTERVAL turn them off.
   */
  startHeartbeats(): void {
    try {
      const config = loadConfig(this.#session.root);
      const intervalS = heartbeatInterval(config, process.env);
      if (intervalS !== undefined) this.#heartbeats = heartbeatRun(this.#session, { config, intervalS, overrides: {}, beforeBeat: () => this.flush() });
      this.#liveObject = startLiveObject(this.#session, config, { beforeBeat: () => this.flush() });
      const systemS = systemInterval(config, process.env);
      // The job is this process (and whatever it started).
      if (systemS !== undefined) {
        this.#system = startSystemMetrics({
          dir: this.dir,
          rootPid: process.pid,
          intervalS: systemS,
          startedAt: this.#session.startedAt,
          now: this.#session.now,
        });
      }
    } catch {
      // An unreadable config: no heartbeats; finish() reports the problem when it publishes.
    }
  }

  /** Writes buffered metrics to metrics.jsonl now (log() does so by itself every 64 KB, and finish() at the end). */
  flush(): void {
    if (!this.#buffer) return;
    this.#fd ??= openSync(this.#metricsFile, 'a');
    writeSync(this.#fd, this.#buffer);
    this.#buffer = '';
  }

  /**
   * Records a param; dotted keys nest (`optimizer.lr`). Secret-looking keys are redacted.
   *
   * @example
   * run.param('optimizer.lr', 0.001);
   */
  param(key: string, value: unknown): void {
    setPath(this.#params, keyPath(key, 'run.param'), value);
  }

  /** Adds a tag, e.g. `run.tag('baseline')`. */
  tag(tag: string): void {
    if (!this.#tags.includes(tag)) this.#tags.push(tag);
  }

  /** Appends Markdown to the run's notes (notes.md), secrets masked (publishing masks them again, whoever wrote the file). */
  async note(text: string): Promise<void> {
    const masked = redactText(text);
    await appendFile(join(this.dir, 'notes.md'), masked.endsWith('\n') ? masked : `${masked}\n`);
  }

  /**
   * Copies a file or folder into the run's artifacts/ (under `name`, default its base name); it is
   * hashed and uploaded on finish.
   *
   * @example
   * await run.artifact('out/confusion.png');
   */
  async artifact(path: string, name: string = basename(path)): Promise<void> {
    if (!(await stat(path).catch(() => undefined))) {
      throw new RunpagesError('artifact-missing', `artifact ${path} does not exist`, { hint: 'Pass the path of a file or folder the job wrote.' });
    }
    const problem = artifactPathProblem(name);
    if (problem) {
      throw new RunpagesError('unsafe-artifact-path', `artifact name ${JSON.stringify(name)} ${problem}`, {
        hint: 'Pass a relative name such as "plots/loss.png" (no "..", no .git folder, no control characters).',
      });
    }
    await mkdir(join(this.dir, 'artifacts'), { recursive: true });
    await cp(path, join(this.dir, 'artifacts', ...name.split('/')), { recursive: true, dereference: true });
  }

  /**
   * Logs an image (PNG, JPEG, GIF, WebP or SVG bytes, or the path of such a file) under `key`,
   * shown on the run page in a grid with a step slider. Returns its sha256 (a table cell can refer
   * to it as `{ image: sha256 }`), or undefined when it was refused (a warning says why).
   *
   * @example run.logImage('val/samples', 'out/grid.png', { step: epoch, caption: `epoch ${epoch}` });
   */
  logImage(key: string, image: Uint8Array | string, options: MediumOptions = {}): string | undefined {
    let bytes: Uint8Array;
    try {
      bytes = typeof image === 'string' ? readFileSync(image) : image;
    } catch (error) {
      return this.#logged({ ok: false, reason: `image ${JSON.stringify(key)} could not be read: ${error instanceof Error ? error.message : String(error)}` });
    }
    return this.#logged(logMedium(this.dir, key, 'image', bytes, options));
  }

  /**
   * Logs a confusion matrix: `labels` and `matrix` (rows: true class, columns: predicted), or
   * `yTrue` and `yPred` to count (with `labels` fixing the order).
   *
   * @example run.logConfusionMatrix('val/confusion', { yTrue, yPred, labels: ['cat', 'dog'] }, { step: epoch });
   */
  logConfusionMatrix(
    key: string,
    data:
      | { labels: string[]; matrix: number[][] }
      | { yTrue: readonly (string | number | boolean)[]; yPred: readonly (string | number | boolean)[]; labels?: string[] },
    options: MediumOptions = {},
  ): string | undefined {
    return this.#structured(key, 'confusion_matrix', options, () => ('matrix' in data ? data : confusionFrom(data.yTrue, data.yPred, data.labels)));
  }

  /**
   * Logs a curve: ROC or precision-recall computed from `yTrue` (0/1) and `yScore`, recording its
   * AUC or average precision as the metric `<key>/auc` or `<key>/ap`; or any `x`, `y` given.
   *
   * @example run.logCurve('val/roc', { kind: 'roc', yTrue, yScore });
   */
  logCurve(
    key: string,
    data:
      | { kind: 'roc' | 'pr'; yTrue: readonly (number | boolean)[]; yScore: readonly number[] }
      | { kind?: 'roc' | 'pr' | 'custom'; x: number[]; y: number[]; xLabel?: string; yLabel?: string },
    options: MediumOptions = {},
  ): string | undefined {
    return this.#structured(key, 'curve', options, (): CurveData => {
      if ('yTrue' in data) return data.kind === 'roc' ? rocCurve(data.yTrue, data.yScore) : prCurve(data.yTrue, data.yScore);
      return {
        curve: data.kind ?? 'custom',
        x: data.x,
        y: data.y,
        ...(data.xLabel === undefined ? {} : { x_label: data.xLabel }),
        ...(data.yLabel === undefined ? {} : { y_label: data.yLabel }),
      };
    });
  }

  /**
   * Logs a histogram at a step (one per step shows a distribution over time): raw `values` (binned
   * in `bins` equal bins, default 30) or ready `bins` (edges) and `counts`.
   *
   * @example run.logHistogram('weights/fc1', weights, { step: epoch });
   */
  logHistogram(
    key: string,
    data: readonly number[] | { bins: number[]; counts: number[] },
    options: MediumOptions & { bins?: number } = {},
  ): string | undefined {
    return this.#structured(key, 'histogram', options, () =>
      Array.isArray(data) ? histogramOf(data as readonly number[], options.bins) : (data as { bins: number[]; counts: number[] }),
    );
  }

  /**
   * Logs a table: rows as lists (with `columns`) or as objects (columns from their keys). A cell may
   * be image bytes (logged as an image medium and shown as a thumbnail) or `{ image: sha256 }` of one
   * logged with {@link logImage}. Columns named `label` and `prediction` (or given as `label` and
   * `prediction`) mark mispredictions.
   *
   * @example run.logTable('val/predictions', [{ image: png, label: 'cat', prediction: 'dog', score: 0.4 }]);
   */
  logTable(
    key: string,
    rows: readonly (readonly unknown[] | Record<string, unknown>)[],
    options: MediumOptions & { columns?: string[]; label?: string; prediction?: string } = {},
  ): string | undefined {
    return this.#structured(key, 'table', options, () => {
      const columns = options.columns ?? [...new Set(rows.flatMap((row) => (Array.isArray(row) ? [] : Object.keys(row))))];
      const cell = (value: unknown): TableCell => {
        if (value instanceof Uint8Array) {
          const sha256 = this.logImage(`${key}/images`, value, options.step === undefined ? {} : { step: options.step });
          return sha256 ? { image: sha256 } : null;
        }
        if (value === null || value === undefined) return null;
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
        if (typeof value === 'object' && typeof (value as { image?: unknown }).image === 'string') return { image: (value as { image: string }).image };
        return JSON.stringify(value);
      };
      return {
        columns,
        rows: rows.map((row) =>
          Array.isArray(row) ? row.map(cell) : columns.map((column) => cell(Object.hasOwn(row, column) ? (row as Record<string, unknown>)[column] : null)),
        ),
        ...(options.label === undefined ? {} : { label: options.label }),
        ...(options.prediction === undefined ? {} : { prediction: options.prediction }),
      };
    });
  }

  /**
   * Logs a text sample (an LLM generation, a decoded batch), shown by step on the run page.
   *
   * @example run.logText('samples', generated, { step: epoch });
   */
  logText(key: string, text: string, options: MediumOptions = {}): string | undefined {
    return this.#logged(logMedium(this.dir, key, 'text', new TextEncoder().encode(redactText(String(text))), options));
  }

  #structured(key: string, kind: 'confusion_matrix' | 'curve' | 'histogram' | 'table', options: MediumOptions, build: () => unknown): string | undefined {
    let bytes: Uint8Array;
    try {
      bytes = jsonBytes(build());
    } catch (error) {
      return this.#logged({ ok: false, reason: `${kind} ${JSON.stringify(key)} ${error instanceof Error ? error.message : String(error)}` });
    }
    return this.#logged(logMedium(this.dir, key, kind, bytes, options));
  }

  #logged(outcome: LogOutcome): string | undefined {
    if (outcome.ok) return outcome.sha256;
    process.stderr.write(`warning ${outcome.reason}; not logged\n`);
    return undefined;
  }

  /**
   * Ends the run (status `finished` unless given) and publishes it. Network failures do not throw:
   * the outcome lists the run as queued (publish later with `runpages sync`).
   *
   * @example
   * const { published, queued } = await run.finish();
   */
  async finish(options: { status?: RunStatus } = {}): Promise<PublishOutcome> {
    if (this.#finished) throw new RunpagesError('run-finished', `run ${this.id} is already finished`, { hint: 'Call finish() once per run.' });
    this.#finished = true;
    this.flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    process.off('exit', this.#flushOnExit);
    await Promise.all([this.#heartbeats?.stop(), this.#system?.stop(), this.#liveObject?.stop()]);
    const fields: Record<string, unknown> = { params: redactParams(this.#params), tags: this.#tags };
    if (this.#attached) {
      // `runpages record` publishes when the command ends, with the status from its exit.
      const { name, project } = this.#options;
      await updateRunYaml(this.dir, { ...fields, ...(name === undefined ? {} : { name }), ...(project === undefined ? {} : { project }) });
      return { published: [], queued: [], pushAttempts: 0, warnings: [] };
    }
    const outcome = await closeRunDir(this.#session, { status: options.status ?? 'finished', fields });
    await this.#liveObject?.finish(options.status ?? 'finished');
    return outcome;
  }
}

/**
 * Starts a run: creates its directory with status `running`, capturing git state and environment.
 *
 * @example
 * import { startRun } from 'runpages';
 * const run = await startRun({ project: 'vision', params: { lr: 0.001 } });
 * run.log({ loss: 0.5 }, { step: 1 });
 * await run.finish();
 */
export async function startRun(options: StartRunOptions = {}): Promise<Run> {
  const recording = process.env.RUNPAGES_DIR;
  if (options.dir === undefined && recording) {
    const run = new Run(await attachRunDir(recording), options, true);
    if (options.totalSteps !== undefined) await updateRunYaml(run.dir, { total_steps: options.totalSteps });
    return run;
  }
  const session = await openRunDir({
    cwd: options.cwd ?? process.cwd(),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    ...(options.params === undefined ? {} : { params: options.params }),
    ...(options.dir === undefined ? {} : { dir: options.dir }),
  });
  if (options.totalSteps !== undefined) await updateRunYaml(session.dir, { total_steps: options.totalSteps });
  const run = new Run(session, options);
  run.startHeartbeats();
  return run;
}
