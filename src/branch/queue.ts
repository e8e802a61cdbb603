/**
 * The local publish queue, `.runpages/queue/<run-id>/`: a run is written here before anything can
 * fail, and removed only once it is on the remote (or on the local branch when there is none), so
 * no failure loses it. Each entry is self-contained: the branch files, the bytes of in-memory
 * objects, and the paths of file objects, which stay where the run directory put them.
 *
 * ```
 * .runpages/queue/<id>/entry.json   what to publish and where (schema runpages/queued@1)
 *                      files/<name> the run's files on the branch (run.yaml, series.json, media.json)
 *                      media/<name> the display copies of its media/ folder on the branch
 *                      objects/<sha256>  objects that were only in memory
 *                      uploaded     present once every object is in the store
 *                      reason.txt   why the last attempt did not land
 * ```
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeErrno, errnoCode } from '../errno.ts';
import { RunpagesError } from '../errors.ts';
import { runFolder, type PendingObject, type PreparedRun } from '../run/prepared.ts';
import { parseRunRecord } from '../run/validate.ts';
import { parseYaml } from '../run/yaml.ts';
import { sha256File } from '../store/hash.ts';
import { isMap, isSeq, parseDocument } from 'yaml';
import { testKillPoint } from './kill-point.ts';

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
  /** Names in the run's media/ folder on the branch (absent: none). */
  media?: string[];
  /** `linked`: objects/<sha256> is a hard link to `path`, made when the run was queued. */
  objects: { sha256: string; size: number; path?: string; linked?: boolean }[];
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
 * Writes a run to the queue, replacing an earlier version of the same run. Every step leaves the
 * run recoverable by `recoverQueue` if the process dies there:
 *
 * 1. the new version is written whole to `.tmp-<id>-<pid>-<rand>/` (entry.json last);
 * 2. the current version, if any, is moved aside to `.old-<id>-<pid>-<rand>-<n>/`;
 * 3. the new version is renamed to `<id>/`;
 * 4. the versions moved aside are removed.
 *
 * Killed after 2, both versions are dot-folders the listing skips: recovery puts the new one in
 * place (its `.old-` twin says it never got there). Two writers of one id at once: a rename in step 3
 * that finds the other's version already there moves that one aside too and goes again, so the
 * last writer's version is queued, as if they had run one after the other; neither crashes nor
 * leaves folders behind. Returns the entry's token.
 */
export async function enqueue(cwd: string, run: PreparedRun, now: Date = new Date()): Promise<string> {
  const root = queueRoot(cwd);
  const id = run.record.id;
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(root, `.tmp-${id}-${suffix}`);
  await mkdir(join(temp, 'files'), { recursive: true });
  await mkdir(join(temp, 'objects'));
  const files = Object.keys(run.files).sort();
  for (const name of files) {
    if (name.includes('/') || name.startsWith('.')) throw new Error(`invalid run file name: ${name}`);
    await writeFile(join(temp, 'files', name), run.files[name] as string, { flush: true });
  }
  const media = Object.keys(run.media ?? {}).sort();
  if (media.length > 0) await mkdir(join(temp, 'media'));
  for (const name of media) {
    if (name.includes('/') || name.startsWith('.')) throw new Error(`invalid media file name: ${name}`);
    await writeFile(join(temp, 'media', name), (run.media as Record<string, Uint8Array>)[name] as Uint8Array, { flush: true });
  }
  const objects: EntryFile['objects'] = [];
  for (const object of run.objects) {
    if ('path' in object.source) {
      // A hard link keeps the bytes that were hashed even if the job later replaces or deletes the
      // file (not if it rewrites it in place: sync then re-hashes, see refreshChangedObjects).
      const linked = await link(object.source.path, join(temp, 'objects', object.sha256)).then(
        () => true,
        () => false,
      );
      objects.push({ sha256: object.sha256, size: object.size, path: object.source.path, ...(linked ? { linked: true } : {}) });
    } else {
      await writeFile(join(temp, 'objects', object.sha256), object.source.data, { flush: true });
      objects.push({ sha256: object.sha256, size: object.size });
    }
  }
  const token = randomBytes(8).toString('hex');
  const entry: EntryFile = {
    schema: ENTRY_SCHEMA,
    id,
    folder: runFolder(run.record),
    token,
    queuedAt: now.toISOString(),
    files,
    ...(media.length > 0 ? { media } : {}),
    objects,
  };
  await writeFile(join(temp, 'entry.json'), `${JSON.stringify(entry, null, 2)}\n`, { flush: true });
  testKillPoint('enqueue:written');
  const dest = join(root, id);
  const aside: string[] = [];
  for (let attempt = 0; ; attempt++) {
    // rename() cannot replace a non-empty folder: move the current version aside first.
    const old = join(root, `.old-${id}-${suffix}-${attempt}`);
    const moved = await rename(dest, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        return false;
      },
    );
    if (moved) aside.push(old);
    testKillPoint('enqueue:moved-aside');
    try {
      await rename(temp, dest);
      break;
    } catch (error) {
      // Another writer of this id put its version in between: last writer wins, go again.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 20) throw error;
    }
  }
  await syncFolder(root);
  testKillPoint('enqueue:swapped');
  for (const old of aside) await rm(old, { recursive: true, force: true });
  return token;
}

/** fsyncs a folder so the renames in it survive a power cut (best effort: not every file system allows it). */
async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r').catch(() => undefined);
  await handle?.sync().catch(() => {});
  await handle?.close();
}

/** `.tmp-`, `.old-` and `.done-` folders: which step made them, for which run, by which process. */
const LEFTOVER = /^\.(tmp|old|done)-(.+)-(\d+)-([0-9a-f]{8})(?:-(\d+))?$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function completeEntry(dir: string): Promise<EntryFile | undefined> {
  try {
    const entry = await readEntryFile(dir);
    for (const name of entry.files) await stat(join(dir, 'files', name));
    for (const name of entry.media ?? []) await stat(join(dir, 'media', name));
    return entry;
  } catch {
    return undefined;
  }
}

/**
 * Finishes what a process killed in the middle of `enqueue` or `dequeue` left undone, for
 * leftovers whose process is gone (a live writer's folders are left alone):
 *
 * - `.tmp-X` whole, with its `.old-X` twin: killed between moving the old version aside and putting
 *   the new one in place. The new one goes in place, unless a newer version has arrived since.
 * - `.tmp-X` whole, alone: killed before moving anything; it is put in place the same way (it is
 *   the version last asked for), unless a newer one is there.
 * - `.tmp-X` partial: killed while writing; nothing had been queued by it, so it goes.
 * - `.old-X` whose `.tmp-X` twin is gone: the new version got in place; the old one was superseded.
 *   With its twin partial and no version in place, the old one is put back.
 * - `.done-X`: dequeue had decided the run was published.
 *
 * Returns what it did, one line per restored run, for the caller to report.
 */
export async function recoverQueue(cwd: string): Promise<string[]> {
  const root = queueRoot(cwd);
  const names = await readdir(root).catch(() => [] as string[]);
  const leftovers = names
    .map((name) => ({ name, match: LEFTOVER.exec(name) }))
    .filter((item): item is { name: string; match: RegExpExecArray } => item.match !== null && !processAlive(Number(item.match[3])));
  const restored: string[] = [];
  const byWriter = new Map<string, { tmp?: string; olds: string[]; id: string }>();
  for (const { name, match } of leftovers) {
    const [, kind, id, pid, rand] = match as unknown as [string, string, string, string, string];
    if (kind === 'done') {
      await rm(join(root, name), { recursive: true, force: true });
      continue;
    }
    const key = `${id}\0${pid}-${rand}`;
    const group = byWriter.get(key) ?? { olds: [], id };
    if (kind === 'tmp') group.tmp = name;
    else group.olds.push(name);
    byWriter.set(key, group);
  }
  for (const group of byWriter.values()) {
    const dest = join(root, group.id);
    const tmpEntry = group.tmp ? await completeEntry(join(root, group.tmp)) : undefined;
    if (group.tmp && tmpEntry) {
      const current = await completeEntry(dest);
      if (!current || current.queuedAt <= tmpEntry.queuedAt) {
        if (await install(root, join(root, group.tmp), dest))
          restored.push(`${group.id}: restored the version queued at ${tmpEntry.queuedAt} from ${group.tmp}`);
      }
    } else if (group.tmp && !(await completeEntry(dest))) {
      // The new version is partial (it cannot be, as it is written whole before anything is moved
      // aside, but a disk may lose it): the newest whole old one goes back. An old one without its
      // twin was superseded by a version that got in place (and may since have been published):
      // putting it back could revert that run, so it goes.
      for (const old of group.olds.sort().reverse()) {
        const entry = await completeEntry(join(root, old));
        if (entry && (await install(root, join(root, old), dest))) {
          restored.push(`${group.id}: restored the version queued at ${entry.queuedAt} from ${old}`);
          break;
        }
      }
    }
    for (const name of [group.tmp, ...group.olds]) if (name) await rm(join(root, name), { recursive: true, force: true });
  }
  return restored;
}

/**
 * Puts `from` at `dest`, replacing what is there; false when `from` lost a race (another recoverer
 * moved it first), and then what was at `dest` is put back, never removed.
 */
async function install(root: string, from: string, dest: string): Promise<boolean> {
  const id = basename(dest);
  // Named like an enqueue's old version (attempt 1000), so if putting it back fails, recovery finds it.
  const aside = join(root, `.old-${id}-${process.pid}-${randomBytes(4).toString('hex')}-1000`);
  const moved = await rename(dest, aside).then(
    () => true,
    () => false,
  );
  try {
    await rename(from, dest);
  } catch {
    if (moved) await rename(aside, dest).catch(() => {});
    return false;
  }
  if (moved) await rm(aside, { recursive: true, force: true });
  return true;
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
  const doomed = join(queueRoot(cwd), `.done-${id}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(dir, doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  testKillPoint('dequeue:renamed');
  await rm(doomed, { recursive: true, force: true });
}

/**
 * Every queued run, oldest first. Entries that vanish while being read (another process published
 * them) are skipped; an unreadable entry is an error naming its folder.
 */
export async function listQueue(cwd: string): Promise<QueuedRun[]> {
  const root = queueRoot(cwd);
  await recoverQueue(cwd);
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
      const why = errnoCode(error) ? describeErrno(error) : (error as Error).message;
      throw new RunpagesError('queue-corrupt', `The queued run in ${join(root, name)} cannot be read: ${why}`, {
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
  const media: Record<string, Uint8Array> = {};
  for (const name of entry.media ?? []) media[name] = await readFile(join(dir, 'media', name));
  const yamlFile = join(dir, 'files', 'run.yaml');
  const record = parseRunRecord(parseYaml(files['run.yaml'] ?? '', yamlFile), yamlFile);
  const objects: PendingObject[] = entry.objects.map((object) => ({
    sha256: object.sha256,
    size: object.size,
    source: { path: object.path && !object.linked ? object.path : join(dir, 'objects', object.sha256) },
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
    run: { record, files, objects, ...(entry.media?.length ? { media } : {}) },
  };
}

/** What refreshChangedObjects found for one file object. */
export interface ObjectChange {
  path: string;
  recorded: { sha256: string; size: number };
  /** Its bytes now; undefined when the file is gone. */
  now: { sha256: string; size: number } | undefined;
}

/**
 * A queued run whose file (an artifact, git.diff) no longer holds the bytes hashed when it was
 * recorded can never upload as recorded: those bytes are gone. So that `sync` always makes
 * progress and the branch says the truth, the queued record is rewritten to the file's bytes now,
 * keeping what was recorded under `changed_since_recorded` (or `missing: true` when the file is
 * gone, which then uploads nothing). Returns the changes (none: the run is as it was) and the run
 * to publish.
 */
export async function refreshChangedObjects(cwd: string, queued: { id: string; run: PreparedRun }): Promise<{ changes: ObjectChange[]; run: PreparedRun }> {
  const dir = join(queueRoot(cwd), queued.id);
  const changes: ObjectChange[] = [];
  const objects: PendingObject[] = [];
  for (const object of queued.run.objects) {
    if (!('path' in object.source)) {
      objects.push(object);
      continue;
    }
    const now = await sha256File(object.source.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (now && now.sha256 === object.sha256 && now.size === object.size) {
      objects.push(object);
      continue;
    }
    changes.push({ path: object.source.path, recorded: { sha256: object.sha256, size: object.size }, now });
    if (now) objects.push({ ...now, source: object.source });
  }
  if (changes.length === 0) return { changes, run: queued.run };

  const yamlFile = join(dir, 'files', 'run.yaml');
  const doc = parseDocument(queued.run.files['run.yaml'] ?? '');
  const artifacts = doc.get('artifacts');
  for (const change of changes) {
    if (isSeq(artifacts)) {
      for (const item of artifacts.items) {
        if (!isMap(item) || item.get('sha256') !== change.recorded.sha256) continue;
        if (change.now) {
          item.set('sha256', change.now.sha256);
          item.set('size', change.now.size);
          item.set('changed_since_recorded', { sha256: change.recorded.sha256, size: change.recorded.size });
        } else item.set('missing', true);
      }
    }
    if (change.now && doc.getIn(['git', 'diff']) === change.recorded.sha256) doc.setIn(['git', 'diff'], change.now.sha256);
  }
  const text = doc.toString({ lineWidth: 0 });
  const record = parseRunRecord(parseYaml(text, yamlFile), yamlFile);
  const run: PreparedRun = { ...queued.run, record, files: { ...queued.run.files, 'run.yaml': text }, objects };

  // Rewrite the queued copy, each file replaced whole, so the queue never holds half of either.
  const entry = await readEntryFile(dir);
  entry.objects = objects.map((object) => {
    const before = entry.objects.find(
      (o) => 'path' in object.source && (o.path === object.source.path || join(dir, 'objects', o.sha256) === object.source.path),
    );
    return 'path' in object.source
      ? { sha256: object.sha256, size: object.size, path: before?.path ?? object.source.path, ...(before?.linked ? { linked: true } : {}) }
      : { sha256: object.sha256, size: object.size };
  });
  for (const object of entry.objects) {
    // A linked object's name is its recorded hash: link it again under the new one.
    if (object.linked && object.path) {
      const old = changes.find((change) => change.now?.sha256 === object.sha256);
      if (old) await rename(join(dir, 'objects', old.recorded.sha256), join(dir, 'objects', object.sha256)).catch(() => (object.linked = undefined));
    }
  }
  await replaceFile(yamlFile, text);
  await replaceFile(join(dir, 'entry.json'), `${JSON.stringify(entry, null, 2)}\n`);
  run.objects = objects.map((object) => {
    const stored = entry.objects.find((o) => o.sha256 === object.sha256);
    return 'path' in object.source && stored?.linked ? { ...object, source: { path: join(dir, 'objects', object.sha256) } } : object;
  });
  return { changes, run };
}

async function replaceFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { flush: true });
  await rename(temp, path);
}
