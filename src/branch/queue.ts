/**
 * The local publish queue, `.runpages/queue/<run-id>/`: a run is written here before anything can
 * fail, and removed only once it is on the remote (or on the local branch when there is none), so
 * no failure loses it. Each entry is self-contained: the branch files, the bytes of in-memory
 * objects, and the paths of file objects, which stay where the run directory put them.
 *
 * ```
 * .runpages/queue/<id>/entry.json   what to publish and where (schema runpages/queued@1)
 *                      files/<name> the run's files on the branch (run.yaml, series.json)
 *                      objects/<sha256>  objects that were only in memory
 *                      uploaded     present once every object is in the store
 *                      reason.txt   why the last attempt did not land
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunpagesError } from '../errors.ts';
import { runFolder, type PendingObject, type PreparedRun } from '../run/prepared.ts';
import { parseRunRecord } from '../run/validate.ts';
import { parseYaml } from '../run/yaml.ts';

export const QUEUE_DIR = '.runpages/queue';
const ENTRY_SCHEMA = 'runpages/queued@1';

interface EntryFile {
  schema: typeof ENTRY_SCHEMA;
  id: string;
  /** The run's folder on the branch. */
  folder: string;
  /** Distinguishes two versions of one run id, so a publisher removes only the version it published. */
  token: string;
  queuedAt: string;
  files: string[];
  objects: { sha256: string; size: number; path?: string }[];
}

/** A run waiting in the queue. */
export interface QueuedRun {
  id: string;
  folder: string;
  token: string;
  queuedAt: string;
  /** True once every object is in the store, so the run may go on the branch. */
  uploaded: boolean;
  /** Why the last attempt did not land, if one failed. */
  reason: string | undefined;
  run: PreparedRun;
}

function queueRoot(cwd: string): string {
  return join(cwd, QUEUE_DIR);
}

/**
 * Writes a run to the queue atomically (temporary folder, then rename), replacing an earlier
 * version of the same run. Returns the entry's token.
 */
export async function enqueue(cwd: string, run: PreparedRun, now: Date = new Date()): Promise<string> {
  const root = queueRoot(cwd);
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(root, `.tmp-${run.record.id}-${suffix}`);
  await mkdir(join(temp, 'files'), { recursive: true });
  await mkdir(join(temp, 'objects'));
  const files = Object.keys(run.files).sort();
  for (const name of files) {
    if (name.includes('/') || name.startsWith('.')) throw new Error(`invalid run file name: ${name}`);
    await writeFile(join(temp, 'files', name), run.files[name] as string, { flush: true });
  }
  const objects: EntryFile['objects'] = [];
  for (const object of run.objects) {
    if ('path' in object.source) objects.push({ sha256: object.sha256, size: object.size, path: object.source.path });
    else {
      await writeFile(join(temp, 'objects', object.sha256), object.source.data, { flush: true });
      objects.push({ sha256: object.sha256, size: object.size });
    }
  }
  const token = randomBytes(8).toString('hex');
  const entry: EntryFile = {
    schema: ENTRY_SCHEMA,
    id: run.record.id,
    folder: runFolder(run.record),
    token,
    queuedAt: now.toISOString(),
    files,
    objects,
  };
  await writeFile(join(temp, 'entry.json'), `${JSON.stringify(entry, null, 2)}\n`, { flush: true });
  const dest = join(root, run.record.id);
  // rename() cannot replace a non-empty folder: move the old version aside first.
  const old = join(root, `.old-${run.record.id}-${suffix}`);
  await rename(dest, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(temp, dest);
  await rm(old, { recursive: true, force: true });
  return token;
}

/** Marks a queued run's objects as stored. */
export async function markUploaded(cwd: string, id: string): Promise<void> {
  await writeFile(join(queueRoot(cwd), id, 'uploaded'), '', { flush: true });
}

/** Records why a queued run did not land (shown by `runpages sync`). */
export async function noteReason(cwd: string, id: string, reason: string): Promise<void> {
  await writeFile(join(queueRoot(cwd), id, 'reason.txt'), `${reason}\n`).catch(() => {});
}

/** Removes a run from the queue if it is still the version `token` names (a newer one stays). */
export async function dequeue(cwd: string, id: string, token: string): Promise<void> {
  const dir = join(queueRoot(cwd), id);
  const current = await readEntryFile(dir).catch(() => undefined);
  if (current?.token !== token) return;
  // Rename first so a concurrent reader sees the entry whole or not at all.
  const doomed = join(queueRoot(cwd), `.done-${id}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(dir, doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await rm(doomed, { recursive: true, force: true });
}

/**
 * Every queued run, oldest first. Entries that vanish while being read (another process published
 * them) are skipped; an unreadable entry is an error naming its folder.
 */
export async function listQueue(cwd: string): Promise<QueuedRun[]> {
  const root = queueRoot(cwd);
  const names = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const runs: QueuedRun[] = [];
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    try {
      runs.push(await readEntry(join(root, name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new RunpagesError('queue-corrupt', `The queued run in ${join(root, name)} cannot be read: ${(error as Error).message}`, {
        hint: 'Move that folder out of .runpages/queue/ (republish its run directory with `runpages commit <dir>`), then run `runpages sync` again.',
      });
    }
  }
  return runs.sort((a, b) => (a.queuedAt < b.queuedAt ? -1 : a.queuedAt > b.queuedAt ? 1 : a.id < b.id ? -1 : 1));
}

async function readEntryFile(dir: string): Promise<EntryFile> {
  const entry = JSON.parse(await readFile(join(dir, 'entry.json'), 'utf8')) as EntryFile;
  if (entry.schema !== ENTRY_SCHEMA) throw new Error(`unknown queue entry schema ${JSON.stringify(entry.schema)}`);
  return entry;
}

async function readEntry(dir: string): Promise<QueuedRun> {
  const entry = await readEntryFile(dir);
  const files: Record<string, string> = {};
  for (const name of entry.files) files[name] = await readFile(join(dir, 'files', name), 'utf8');
  const yamlFile = join(dir, 'files', 'run.yaml');
  const record = parseRunRecord(parseYaml(files['run.yaml'] ?? '', yamlFile), yamlFile);
  const objects: PendingObject[] = entry.objects.map((object) => ({
    sha256: object.sha256,
    size: object.size,
    source: { path: object.path ?? join(dir, 'objects', object.sha256) },
  }));
  const flags = new Set(await readdir(dir));
  const reason = flags.has('reason.txt') ? (await readFile(join(dir, 'reason.txt'), 'utf8')).trim() : undefined;
  return {
    id: entry.id,
    folder: entry.folder,
    token: entry.token,
    queuedAt: entry.queuedAt,
    uploaded: flags.has('uploaded'),
    reason: reason || undefined,
    run: { record, files, objects },
  };
}
