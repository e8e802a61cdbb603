/**
 * `runpages record -- <command>`: runs a training job as a child process and records it. The job
 * always comes first: its output streams through unchanged, its exit code is ours, and a failure of
 * runpages itself is reported but never changes the job's outcome.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { relative } from 'node:path';
import { isRunpagesError, RunpagesError } from '../errors.ts';
import type { RunStatus } from '../run/schema.ts';
import { rm } from 'node:fs/promises';
import type { Config } from '../config.ts';
import { checkCanRecord } from './preflight.ts';
import { heartbeatInterval, heartbeatRun, type Heartbeats } from './heartbeat.ts';
import { startSystemMetrics, systemInterval, type SystemMetrics } from './system.ts';
import { startLiveObject } from './live-object.ts';
import { cutLine, maskValues, redactCommand, redactText, secretValues } from './redact.ts';
import type { RunOverrides } from './run-dir.ts';
import { closeRunDir, openRunDir, type PublishOutcome, type RunSession } from './session.ts';
import { terminalOutput } from '../cli/terminal-text.ts';
import { runUrl } from '../site/url.ts';

const TAIL_LINES = 100;
const MAX_LINE_CHARS = 2000;
/** Keeps run.yaml small (docs/design.md#run-record targets < 8 KB) even when the last lines are long. */
const MAX_TAIL_CHARS = 6000;
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A line still being written is redacted and cut once it grows past this (a job printing without newlines). */
const MAX_RAW_LINE_CHARS = 64 * 1024;

/** The last state of a line redrawn with `\r` (progress bars). */
function lastRedraw(line: string): string {
  return line.slice(line.lastIndexOf('\r') + 1);
}

/**
 * Keeps the last `lines` lines of a byte stream, cheaply, whatever the volume. Secrets are masked
 * BEFORE any cut (a token cut in half is no longer recognisable): lines are kept whole up to 64 KB
 * and redacted together when the tail is read, so a PEM block spanning lines is caught too.
 */
export class OutputTail {
  readonly #limit: number;
  readonly #secrets: readonly string[];
  readonly #lines: string[] = [];
  #partial = '';

  /** `secrets`: values (secret environment variables) masked wherever they appear. */
  constructor(lines = TAIL_LINES, secrets: readonly string[] = []) {
    this.#limit = lines;
    this.#secrets = secrets;
  }

  #redact(text: string): string {
    return redactText(maskValues(text, this.#secrets));
  }

  /** A line past the raw limit reduced to its last redraw, and if still too long made safe on its own (redacted, then cut to its head). */
  #bound(line: string): string {
    if (line.length <= MAX_RAW_LINE_CHARS) return line;
    // A trailing `\r` may be half of a `\r\n` still to come: it does not start a redraw.
    const last = line.slice(line.lastIndexOf('\r', line.length - 2) + 1);
    return last.length > MAX_RAW_LINE_CHARS ? cutLine(this.#redact(last), MAX_LINE_CHARS) : last;
  }

  push(chunk: Buffer | string): void {
    const parts = (this.#partial + chunk.toString()).split(/\r?\n/);
    this.#partial = this.#bound(parts.pop() ?? '');
    // Only the end of a large chunk can survive: skip the rest without storing it.
    for (const line of parts.slice(-this.#limit)) this.#lines.push(this.#bound(lastRedraw(line)));
    if (this.#lines.length > this.#limit) this.#lines.splice(0, this.#lines.length - this.#limit);
  }

  /** The tail as text: progress bars reduced to their last state, secrets masked, long lines cut, at most 6,000 characters. */
  text(): string {
    const lines = (this.#partial ? [...this.#lines, lastRedraw(this.#partial)] : this.#lines).slice(-this.#limit);
    const text = this.#redact(lines.join('\n'))
      .split('\n')
      .map((line) => cutLine(line, MAX_LINE_CHARS))
      .join('\n');
    if (text.length <= MAX_TAIL_CHARS) return text;
    // Whole lines only: the first, cut, line is dropped.
    const cut = text.slice(-MAX_TAIL_CHARS);
    return cut.slice(cut.indexOf('\n') + 1);
  }
}

export interface RecordOptions {
  cwd: string;
  dir?: string;
  overrides: RunOverrides;
  /** Where status lines go (stderr in the CLI). */
  report: { info: (message: string) => void; warn: (message: string) => void; error: (error: unknown) => void };
}

/** Exit code convention for a process ended by a signal. */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Exit codes a shell reports for a child killed by INT, TERM, KILL or HUP. */
const KILLED_CODES = new Set(['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGHUP'].map((s) => signalExitCode(s as NodeJS.Signals)));

interface ChildResult {
  code: number;
  signal: NodeJS.Signals | null;
  /** A signal runpages received (and forwarded) while the child ran. */
  received: NodeJS.Signals | undefined;
  spawnError?: Error;
}

/**
 * Streams the child's output to ours unchanged. If ours goes away (`record ... | head`), the child's
 * output is still drained (and kept in the tail) so the job neither blocks nor dies because of us.
 */
function passThrough(from: NodeJS.ReadableStream, to: NodeJS.WritableStream): void {
  from.pipe(to, { end: false });
  to.on('error', () => {
    from.unpipe(to);
    from.resume();
  });
}

function runChild(command: string[], env: NodeJS.ProcessEnv, tail: OutputTail, cwd: string, onSpawn?: (pid: number) => void): Promise<ChildResult> {
  return new Promise((resolveResult) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: ['inherit', 'pipe', 'pipe'] });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    let received: NodeJS.Signals | undefined;
    // Ctrl-C in a terminal already reaches the child (same process group): forwarding that first
    // SIGINT would interrupt the job's own clean-up. A second Ctrl-C, or a SIGINT without a
    // terminal (`kill -INT`, schedulers), is forwarded.
    let skipInterrupt = process.stdin.isTTY === true;
    const forward = (signal: NodeJS.Signals): void => {
      received = signal;
      if (signal === 'SIGINT' && skipInterrupt) {
        skipInterrupt = false;
        return;
      }
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const stop = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.stdout.on('data', (chunk: Buffer) => tail.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
    passThrough(child.stdout, process.stdout);
    passThrough(child.stderr, process.stderr);
    child.on('error', (error) => {
      stop();
      resolveResult({ code: 127, signal: null, received, spawnError: error });
    });
    child.on('close', (code, signal) => {
      stop();
      resolveResult({ code: signal ? signalExitCode(signal) : (code ?? 1), signal, received });
    });
  });
}

/** killed: a signal ended the job, or it stopped with an error after one was sent; a job that handled it and exited 0 finished. */
function statusOf(result: ChildResult): RunStatus {
  if (result.signal) return 'killed';
  if (result.code === 0) return 'finished';
  return result.received || KILLED_CODES.has(result.code) ? 'killed' : 'failed';
}

/**
 * Runs `command`, records it as a run and publishes it. Resolves to the exit code to use: always the
 * child's (128 + signal number when a signal ended it), whatever happened to the recording.
 */
export async function recordCommand(command: string[], options: RecordOptions): Promise<number> {
  const { report } = options;
  if (command.length === 0) {
    throw new RunpagesError('no-command', 'No command to record.', { hint: 'Put the command after "--", e.g. runpages record -- python train.py' });
  }
  // Secret env values the job may echo or pass on bare, without a key that marks them.
  const secrets = secretValues(process.env);
  // Refuse before the job starts when its run could never be published (no repository, an unwritable
  // one, an invalid config): finding out after the job ran would waste the whole job.
  const { config } = await checkCanRecord(options.cwd);
  const session: RunSession = await openRunDir({
    cwd: options.cwd,
    command: maskValues(redactCommand(command), secrets),
    ...(options.dir === undefined ? {} : { dir: options.dir }),
    ...(options.overrides.project === undefined ? {} : { project: options.overrides.project }),
    ...(options.overrides.name === undefined ? {} : { name: options.overrides.name }),
    ...(options.overrides.tags === undefined ? {} : { tags: options.overrides.tags }),
  }).catch((error: unknown) => {
    if (isRunpagesError(error)) throw error;
    throw new RunpagesError(
      'cannot-start-recording',
      `cannot create the run directory: ${error instanceof Error ? error.message : String(error)}; the command was not started.`,
      {
        hint: 'Give --dir a folder you can write to (or leave --dir out for .runpages/runs/<id>/).',
        cause: error,
      },
    );
  });
  report.info(`runpages: recording run ${session.name} (${session.id}) in ${relative(options.cwd, session.dir) || '.'}`);
  const env: NodeJS.ProcessEnv = { ...process.env, RUNPAGES_DIR: session.dir, RUNPAGES_RUN_ID: session.id, RUNPAGES_PROJECT: session.project };

  const tail = new OutputTail(TAIL_LINES, secrets);
  const heartbeats = startLive(session, config, options, () => tail.text());
  const live = startLiveObject(session, config, { overrides: options.overrides });
  const systemS = systemInterval(config, process.env, report.warn);
  let system: SystemMetrics | undefined;
  const result = await runChild(command, env, tail, options.cwd, (pid) => {
    if (systemS !== undefined)
      system = startSystemMetrics({ dir: session.dir, rootPid: pid, intervalS: systemS, startedAt: session.startedAt, now: session.now });
  });
  await Promise.all([heartbeats?.stop(), system?.stop(), live?.stop()]);
  if (result.spawnError) {
    // Nothing ran, so there is no run: a junk "failed" run would only clutter the tables.
    const missing = (result.spawnError as NodeJS.ErrnoException).code === 'ENOENT';
    const message = missing
      ? `runpages: command not found: ${JSON.stringify(command[0])} (check its spelling, or that it is on PATH); nothing was recorded`
      : `runpages: cannot run ${JSON.stringify(command[0])}: ${result.spawnError.message}; nothing was recorded`;
    process.stderr.write(terminalOutput(`${message}\n`));
    if (options.dir === undefined) await rm(session.dir, { recursive: true, force: true });
    return missing ? 127 : 126;
  }

  // Signals arriving while publishing must not kill runpages half-way: the run is on its way out.
  const ignore = (): void => report.warn('publishing the run; press Ctrl-C again after it finishes to stop');
  for (const signal of FORWARDED_SIGNALS) process.on(signal, ignore);
  try {
    const status = statusOf(result);
    const outcome: PublishOutcome = await closeRunDir(session, {
      status,
      exitCode: result.code,
      outputTail: tail.text(),
      overrides: options.overrides,
    });
    describeOutcome(outcome, session, status, report, config.site.url);
    // An open page of the running run hears that it ended (the next build shows the final run).
    await live?.finish(status);
  } catch (error) {
    report.error(error);
    report.warn(`The run directory is kept at ${session.dir}; fix the problem above, then publish it with: runpages commit ${session.dir}`);
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, ignore);
  }
  return result.code;
}

/** Heartbeats beside the job, unless turned off. */
function startLive(session: RunSession, config: Config, options: RecordOptions, outputTail: () => string): Heartbeats | undefined {
  const intervalS = heartbeatInterval(config, process.env, options.report.warn);
  return intervalS === undefined ? undefined : heartbeatRun(session, { config, intervalS, overrides: options.overrides, outputTail });
}

function describeOutcome(outcome: PublishOutcome, session: RunSession, status: RunStatus, report: RecordOptions['report'], siteUrl: string | undefined): void {
  for (const warning of outcome.warnings) report.warn(warning);
  const url = runUrl(siteUrl, session.id);
  if (outcome.published.includes(session.id))
    report.info(`runpages: run ${session.name} (${session.id}, ${status}) published${url ? `: ${url} once the site is rebuilt` : ''}`);
  for (const queued of outcome.queued.filter((q) => q.id === session.id)) {
    report.warn(`run ${session.name} (${queued.id}, ${status}) is saved locally but not published yet: ${queued.reason}`);
    report.info('Publish it when the remote is reachable with: runpages sync');
  }
}
