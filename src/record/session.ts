/**
 * The life of a recorded run, shared by `runpages record` and the TypeScript API: open a run
 * directory (identity, git, environment, `run.yaml` with status `running` written at once so a crash
 * leaves evidence), then close it (final status, timing) and publish it.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { PublishOutcome } from '../branch/publish.ts';
import { loadConfig } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import { captureGitState } from '../git/state.ts';
import { repoRoot } from '../git/refs.ts';
import { RUN_SCHEMA, type RunStatus } from '../run/schema.ts';
import { parseYaml } from '../run/yaml.ts';
import { captureEnvironment } from './environment.ts';
import { friendlyName, ulid } from './id.ts';
import { redactParams } from './redact.ts';
import { readRunText, warnOnStderr } from './read-run-file.ts';
import { defaultProject, GIT_DIFF_FILE, prepareRunDir, stringifyRecord, type RunOverrides } from './run-dir.ts';

export type { PublishOutcome } from '../branch/publish.ts';

export interface OpenOptions {
  cwd: string;
  project?: string;
  name?: string;
  tags?: string[];
  params?: Record<string, unknown>;
  /** Run directory; default `.runpages/runs/<id>/` under the repository root. */
  dir?: string;
  /** The command line being recorded (already masked). */
  command?: string;
  now?: () => Date;
}

export interface RunSession {
  id: string;
  name: string;
  project: string;
  dir: string;
  /** The repository root (or cwd outside a repository): config and publishing happen there. */
  root: string;
  startedAt: Date;
  now: () => Date;
}

/**
 * Creates the run directory and writes its `run.yaml` with status `running`.
 *
 * @example
 * const session = await openRunDir({ cwd: process.cwd(), project: 'vision' });
 * // ... the job writes into session.dir ...
 * await closeRunDir(session, { status: 'finished' });
 */
export async function openRunDir(options: OpenOptions): Promise<RunSession> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const id = ulid(startedAt.getTime());
  const root = (await repoRoot(options.cwd).catch(() => undefined)) ?? options.cwd;
  const dir = resolve(options.cwd, options.dir ?? join(root, '.runpages', 'runs', id));
  await mkdir(join(dir, 'artifacts'), { recursive: true });
  if (options.dir === undefined) await ignoreLocalState(join(root, '.runpages'));
  const [git, env] = await Promise.all([captureGitState(options.cwd).catch(() => undefined), captureEnvironment(root, process.env)]);
  if (git?.diff) await writeFile(join(dir, GIT_DIFF_FILE), git.diff);
  const project = options.project ?? (await defaultProject(root));
  const name = options.name ?? friendlyName(id);
  const record: Record<string, unknown> = {
    schema: RUN_SCHEMA,
    id,
    name,
    project,
    status: 'running',
    user: safeUser(),
    host: hostname(),
    created: startedAt.toISOString(),
    command: options.command,
    git: git?.info,
    env,
    params: options.params === undefined ? undefined : redactParams(options.params),
    tags: options.tags ?? [],
  };
  await writeFile(join(dir, 'run.yaml'), stringifyRecord(record));
  return { id, name, project, dir, root, startedAt, now };
}

/**
 * Joins a run directory another process opened (`runpages record` exports RUNPAGES_DIR), so a job
 * using the API under `record` adds to that run instead of starting a second one.
 */
export async function attachRunDir(dir: string, now: () => Date = () => new Date()): Promise<RunSession> {
  const record = await readRunYaml(dir);
  const { id, created } = record;
  if (typeof id !== 'string' || typeof created !== 'string') {
    throw new RunpagesError('run-dir-missing', `${dir} has no run.yaml with the run's id and created time`, {
      hint: 'RUNPAGES_DIR must name a run directory that "runpages record" created; unset it to start a run of your own.',
    });
  }
  const root = (await repoRoot(dir).catch(() => undefined)) ?? dir;
  // A client may leave name and project to publishing (the Python client does): the same defaults apply.
  const name = typeof record.name === 'string' ? record.name : friendlyName(id);
  const project = typeof record.project === 'string' ? record.project : await defaultProject(root);
  return { id, name, project, dir, root, startedAt: new Date(created), now };
}

/** Sets fields of a run directory's run.yaml (undefined removes one), keeping the others. */
export async function updateRunYaml(dir: string, fields: Record<string, unknown>): Promise<void> {
  // Written aside and renamed: a job that left a FIFO (or a link) as run.yaml cannot block this, and a
  // heartbeat reading run.yaml meanwhile sees the old or the new file, never half.
  const temporary = join(dir, `.run.yaml.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  await writeFile(temporary, stringifyRecord({ ...(await readRunYaml(dir)), ...fields }), { flag: 'w' });
  await rename(temporary, join(dir, 'run.yaml'));
}

/** The fields of a run directory's run.yaml (empty when it has none or it is not a mapping). */
export async function readRunYaml(dir: string): Promise<Record<string, unknown>> {
  const text = await readRunText(dir, 'run.yaml', warnOnStderr).catch(() => undefined);
  const data = parseYaml(text ?? '', 'run.yaml');
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/**
 * Makes `.runpages/` (run directories, queue, local objects) invisible to git, even in a repository
 * that never ran `runpages init`: a `.gitignore` of `*` inside it, so `git status` stays as it was.
 */
async function ignoreLocalState(folder: string): Promise<void> {
  try {
    await writeFile(join(folder, '.gitignore'), '# Local runpages state (run directories, queue, objects): never committed.\n*\n', { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function safeUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME;
  }
}

export interface CloseOptions {
  status: RunStatus;
  exitCode?: number;
  /** Last lines of output, already masked. */
  outputTail?: string;
  /** Values given on the command line, which win over the directory's. */
  overrides?: RunOverrides;
  /** Fields to set in run.yaml (the API's params, tags), merged over what is there. */
  fields?: Record<string, unknown>;
}

/**
 * Writes the final status and timing into `run.yaml`, reads the directory back (validating it) and
 * publishes it. Network failures do not throw: the run is queued (see `runpages sync`). Invalid
 * directory content throws InvalidRunError and publishes nothing.
 */
export async function closeRunDir(session: RunSession, options: CloseOptions): Promise<PublishOutcome> {
  const ended = session.now();
  await updateRunYaml(session.dir, {
    ...options.fields,
    status: options.status,
    ended: ended.toISOString(),
    duration_s: Math.max(0, Math.round(ended.getTime() - session.startedAt.getTime()) / 1000),
    exit_code: options.exitCode,
    output_tail: options.outputTail || undefined,
  });
  const prepared = await prepareRunDir(session.dir, options.overrides ?? {}, { cwd: session.root, now: session.now });
  const { publishRuns } = await import('../branch/publish.ts');
  return publishRuns([prepared], { cwd: session.root, config: loadConfig(session.root) });
}
