/**
 * Publishing runs (docs/design.md#run-directory): queue durably, upload objects, push with retry, bring the local
 * branch up to date, and only then forget. A failure at any step leaves the run queued with the
 * reason (and committed to the local branch once its objects are stored); only a broken local setup
 * (not a repository, a full disk) throws. With a remote, the local commit is made only when the
 * push fails: on success the local branch fast-forwards to what landed, which spares concurrent
 * writers in one clone a round of contention on the local ref.
 *
 * Landing many writers fast: every attempt re-fetches only the branch (and the announcements, see
 * PENDING_NAMESPACE), rebuilds just the changed trees on the new tip, and pushes every uploaded run
 * in the local queue, not only the caller's, plus every run other machines announced after losing
 * a round. So the first writer to win a round lands the runs of everyone waiting, and the others
 * find their runs already there on their next fetch instead of fighting for another round.
 * Pushes keep to the origin's push budget (config `push.perMinute`, src/branch/push-rate.ts): a
 * writer waits for a slot, and the queue is read again before each push, so every run queued in
 * the meantime goes up in that one push; under a budget nobody announces (that is a push too).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.ts';
import { describeErrno, errnoCode } from '../errno.ts';
import { RunpagesError, isRunpagesError } from '../errors.ts';
import { GitCommandError } from '../git/exec.ts';
import { ObjectReader } from '../git/objects.ts';
import { isAncestor, repoRoot, resolveCommit, updateRef } from '../git/refs.ts';
import { fetchBranch, fetchRefs, hasRemote, pushCommit, pushRefs } from '../git/remote.ts';
import type { PreparedRun } from '../run/prepared.ts';
import { openStore } from '../store/open.ts';
import type { ObjectStore } from '../store/store.ts';
import { buildCommit, commitFolders, listRunFolders, mergeBranches, writeRunTrees, type FolderTree } from './commit.ts';
import { testKillPoint } from './kill-point.ts';
import { PUSH_WINDOW_S, pushWait, recentPushTimes } from './push-rate.ts';
import { dequeue, enqueue, listQueue, markUploaded, noteReason, refreshChangedObjects, type QueuedRun } from './queue.ts';
import { BUCKET_PATTERN, canonicalFolder, parseRunFolder } from '../run/layout.ts';
import { PROJECT_PATTERN, RUN_ID_PATTERN } from '../run/schema.ts';

export interface PublishOutcome {
  /** Ids of runs now on the remote branch (on the local branch when there is no remote). */
  published: string[];
  /** Runs still in `.runpages/queue/`, with why (and what to do, when the cause says); `runpages sync` retries them. */
  queued: { id: string; reason: string; hint?: string }[];
  /** Fetch-and-push rounds it took (0 without a remote or when nothing was ready). */
  pushAttempts: number;
  /** Things the user should know that did not stop publishing (an artifact that changed, a malformed announcement skipped). */
  warnings: string[];
}

export interface PublishOptions {
  cwd: string;
  config: Config;
  signal?: AbortSignal;
  /** The object store; by default the one `config.store` names. */
  store?: ObjectStore;
  /** Called as objects upload, for a progress line. */
  onProgress?: (done: number, total: number) => void;
  /** The clock the push budget is counted with (src/branch/push-rate.ts); the system clock by default. */
  now?: () => Date;
}

/** Retry policy for a push that lost the race: full-jitter exponential backoff, capped. */
const MAX_PUSH_ATTEMPTS = 30;
/**
 * How long a writer waits in all for slots of the push budget before it leaves its runs queued
 * (for `runpages sync`): at 6 pushes a minute, 15 minutes is 90 pushes of coalesced runs.
 */
const MAX_BUDGET_WAIT_S = 15 * 60;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 2_000;
const UPLOAD_CONCURRENCY = 4;
const QUEUE_CONCURRENCY = 8;

interface Pending {
  id: string;
  token: string;
  uploaded: boolean;
  run: PreparedRun;
}

/**
 * Publishes runs: each is queued first, so a crash or an unreachable remote never loses it.
 *
 * @example
 * const outcome = await publishRuns([prepared], { cwd, config: loadConfig(cwd) });
 * for (const { id, reason } of outcome.queued) warn(`${id} is queued: ${reason}`);
 */
export async function publishRuns(runs: readonly PreparedRun[], options: PublishOptions): Promise<PublishOutcome> {
  await assertRepository(options.cwd);
  const pending: Pending[] = runs.map((run) => ({ id: run.record.id, token: '', uploaded: false, run }));
  // Several at a time: each entry waits on fsync, and importers queue thousands.
  await forEachLimited(pending, QUEUE_CONCURRENCY, async (entry) => {
    try {
      entry.token = await enqueue(options.cwd, entry.run);
    } catch (error) {
      if (errnoCode(error) === undefined) throw error;
      // The code in words (a read-only disk is not a missing folder): see errno.ts.
      throw new RunpagesError('queue-unwritable', `Cannot queue run ${entry.id} in ${options.cwd}/.runpages/queue/: ${describeErrno(error)}`, {
        hint: 'Nothing was published for it. Make .runpages/ writable (or free some space), then publish the run directory again with `runpages commit <dir>`.',
        cause: error,
      });
    }
  });
  return publishPending(pending, options);
}

/**
 * Publishes everything in the queue in one batch (`runpages sync`).
 *
 * @example
 * const { published, queued } = await publishQueue({ cwd, config });
 */
export async function publishQueue(options: PublishOptions): Promise<PublishOutcome> {
  await assertRepository(options.cwd);
  const queued = await listQueue(options.cwd);
  return publishPending(
    queued.map((entry: QueuedRun) => ({ id: entry.id, token: entry.token, uploaded: entry.uploaded, run: entry.run })),
    options,
  );
}

async function assertRepository(cwd: string): Promise<void> {
  if (!(await repoRoot(cwd))) {
    throw new RunpagesError('not-a-repository', `${cwd} is not inside a git repository, so there is no branch to publish runs to`, {
      hint: 'Run runpages inside your project repository (or create one with `git init`, then `runpages init`).',
    });
  }
}

async function publishPending(pending: readonly Pending[], options: PublishOptions): Promise<PublishOutcome> {
  const { cwd, config, signal } = options;
  const failed = new Map<string, string>();
  // What to do about a failure, when its cause knows (a store's wrong credentials, throttling, ...).
  const hints = new Map<string, string>();

  const store = options.store ?? openStore(config.store, cwd);
  const warnings: string[] = [];
  let uploadedCount = 0;
  await forEachLimited(pending, UPLOAD_CONCURRENCY, async (entry) => {
    if (!entry.uploaded) {
      try {
        try {
          await uploadObjects(store, entry.run);
        } catch (error) {
          if (!isChangedFile(error)) throw error;
          // The bytes hashed when the run was recorded are gone: publish what is there, and say so
          // (on the branch and here), rather than fail at every sync for ever.
          const refreshed = await refreshChangedObjects(cwd, entry);
          if (refreshed.changes.length === 0) throw error;
          entry.run = refreshed.run;
          for (const change of refreshed.changes) {
            warnings.push(
              change.now
                ? `${entry.id}: ${change.path} changed after the run was recorded; published with its bytes now (sha256 ${change.now.sha256.slice(0, 12)}, ${change.now.size} bytes), the recorded ones under changed_since_recorded`
                : `${entry.id}: ${change.path} is gone since the run was recorded; published with that artifact marked missing`,
            );
          }
          await uploadObjects(store, entry.run);
        }
        await markUploaded(cwd, entry.id);
        testKillPoint('publish:uploaded');
      } catch (error) {
        failed.set(entry.id, `uploading its objects to ${store.location} failed: ${messageOf(error)}`);
        if (isRunpagesError(error) && error.hint) hints.set(entry.id, error.hint);
      }
    }
    options.onProgress?.(++uploadedCount, pending.length);
  });

  const ready = pending.filter((entry) => !failed.has(entry.id));
  let pushAttempts = 0;
  const published: string[] = [];
  if (ready.length > 0) {
    const ref = `refs/heads/${config.branch}`;
    const reader = new ObjectReader(cwd);
    try {
      const folders = await writeRunTrees(
        cwd,
        ready.map((entry) => entry.run),
      );
      if (!(await hasRemote(cwd, config.remote))) {
        await commitFolders(cwd, reader, ref, folders);
        testKillPoint('publish:committed-locally');
        for (const entry of ready) await dequeue(cwd, entry.id, entry.token);
        published.push(...ready.map((entry) => entry.id));
      } else {
        const readyIds = new Set(ready.map((entry) => entry.id));
        // Asked again before every push: runs queued while this writer waited for a slot go up with it.
        let others: QueuedRun[] = [];
        const queuedFolders = async (): Promise<FolderTree[]> => {
          others = (await listQueue(cwd)).filter((entry) => entry.uploaded && !readyIds.has(entry.id));
          return writeRunTrees(
            cwd,
            others.map((entry) => entry.run),
          );
        };
        const result = await pushFolders(cwd, reader, config, folders, queuedFolders, { signal, warnings, now: options.now ?? (() => new Date()) });
        pushAttempts = result.attempts;
        if (result.landed) {
          testKillPoint('publish:pushed');
          for (const entry of [...ready, ...others]) await dequeue(cwd, entry.id, entry.token);
          testKillPoint('publish:dequeued');
          published.push(...ready.map((entry) => entry.id));
          await catchUpLocal(cwd, reader, ref, result.commit);
        } else {
          // Not on the remote: commit locally so the runs show up (ls, build) while they wait.
          await commitFolders(cwd, reader, ref, folders);
          for (const entry of ready) failed.set(entry.id, result.reason);
        }
      }
    } finally {
      reader.close();
    }
  }

  const queued = pending
    .filter((entry) => failed.has(entry.id))
    .map((entry) => ({ id: entry.id, reason: failed.get(entry.id) as string, ...(hints.has(entry.id) ? { hint: hints.get(entry.id) as string } : {}) }));
  for (const { id, reason } of queued) await noteReason(cwd, id, reason);
  return { published: published.sort(), queued, pushAttempts, warnings };
}

/** A file object whose bytes are no longer those hashed when the run was recorded. */
function isChangedFile(error: unknown): boolean {
  return (isRunpagesError(error) && error.code === 'file-changed') || (error instanceof Error && error.message.includes('changed after the run was prepared'));
}

async function uploadObjects(store: ObjectStore, run: PreparedRun): Promise<void> {
  for (const object of run.objects) {
    const stored = 'path' in object.source ? await store.putFile(object.source.path) : await store.putBytes(object.source.data);
    if (stored.sha256 !== object.sha256) {
      throw new Error(
        `${'path' in object.source ? object.source.path : 'an object'} now hashes to ${stored.sha256}, not ${object.sha256}: it changed after the run was prepared`,
      );
    }
  }
}

type PushResult = { landed: true; commit: string; attempts: number } | { landed: false; reason: string; attempts: number };

/**
 * Where writers that lost a push race announce their runs: one commit holding just those runs,
 * under a ref nobody else writes. Whoever wins the next round lands every announced run that is
 * new to the branch, so writers on different machines cooperate as publishers in one clone do
 * through the queue, and a burst of N writers lands in a few rounds instead of N.
 */
const PENDING_NAMESPACE = 'refs/runpages/pending';

/**
 * Fetch the branch, put the runs on its tip (with every run `more` finds queued then), push; on
 * losing the race, announce, back off and go again. With a push budget (src/branch/push-rate.ts),
 * a push waits for a slot, and no announcement is made: announcing is a push of its own, the very
 * thing the budget counts, while the queue already coalesces the runs of one clone.
 */
async function pushFolders(
  cwd: string,
  reader: ObjectReader,
  config: Config,
  own: readonly FolderTree[],
  more: () => Promise<FolderTree[]>,
  options: { signal: AbortSignal | undefined; warnings: string[]; now: () => Date },
): Promise<PushResult> {
  const { signal, warnings } = options;
  const { remote, branch } = config;
  const perMinute = config.push?.perMinute ?? 0;
  const branchRef = `refs/heads/${branch}`;
  let announced: { ref: string; commit: string } | undefined;
  const cleanUp = async (included: Map<string, string>): Promise<void> => {
    // Best effort, and only refs still at the commit seen: a stale announcement is harmless.
    const refs = [...included].filter(([ref]) => ref.startsWith(`${PENDING_NAMESPACE}/`));
    if (announced) refs.push([announced.ref, announced.commit]);
    if (refs.length === 0) return;
    await pushRefs(
      cwd,
      remote,
      refs.map(([ref]) => `:${ref}`),
      { leases: refs.map(([ref, sha]) => `${ref}:${sha}`) },
    ).catch(() => {});
  };

  let waitedS = 0;
  let attempt = 0;
  while (attempt < MAX_PUSH_ATTEMPTS) {
    if (signal?.aborted) return { landed: false, reason: 'publishing was interrupted', attempts: attempt };
    let fetched: Map<string, string>;
    try {
      fetched = await fetchRefs(cwd, remote, [branchRef, `${PENDING_NAMESPACE}/*`], signal);
    } catch (error) {
      return { landed: false, reason: `cannot fetch "${branch}" from the remote "${remote}": ${messageOf(error)}`, attempts: attempt + 1 };
    }
    const remoteTip = fetched.get(branchRef);
    // A remote without the branch yet gets the local one, history and all.
    const base = remoteTip ?? (await resolveCommit(cwd, branchRef));
    const folders = [...own, ...(await more()).filter((folder) => !own.some((mine) => mine.path === folder.path))];
    const mine = new Set(folders.map((folder) => folder.path));
    const built = await buildCommit(cwd, reader, base, folders);
    if (remoteTip !== undefined && built.commit === remoteTip) {
      // Already there: another writer's push carried these runs.
      await cleanUp(new Map());
      return { landed: true, commit: remoteTip, attempts: attempt + 1 };
    }
    if (remoteTip !== undefined && perMinute > 0) {
      const wait = pushWait(await recentPushTimes(cwd, remoteTip, perMinute), options.now().getTime() / 1000, perMinute);
      if (wait > 0) {
        if (waitedS + wait > MAX_BUDGET_WAIT_S) {
          return {
            landed: false,
            reason: `the push budget of "${remote}" (${perMinute} a minute, config push.perMinute) stayed spent for ${Math.round(waitedS / 60)} minutes`,
            attempts: attempt,
          };
        }
        // Waiters spread over the slot instead of all pushing the moment it opens.
        const pause = wait + Math.random() * Math.min(10, PUSH_WINDOW_S / perMinute);
        waitedS += pause;
        await sleep(pause * 1000, undefined, signal ? { signal } : {}).catch(() => {});
        continue;
      }
    }
    attempt += 1;

    const included = new Map<string, string>();
    const extra: FolderTree[] = [];
    for (const [ref, commit] of fetched) {
      if (!ref.startsWith(`${PENDING_NAMESPACE}/`) || ref === announced?.ref) continue;
      const malformed = await malformedAnnouncement(reader, ref, commit);
      if (malformed) {
        // It can never land, and would fail every writer's round: skip it, and delete it (only
        // while it still points at what was read, so nothing newer is lost).
        warnings.push(`skipped the announcement ${JSON.stringify(ref)} on "${remote}": ${malformed}; it was deleted`);
        await pushRefs(cwd, remote, [`:${ref}`], { leases: [`${ref}:${commit}`] }).catch(() => {});
        continue;
      }
      included.set(ref, commit);
      for (const found of await listRunFolders(reader, commit)) {
        // An older writer's announcement may use the old layout: the run lands in its bucket.
        const parsed = parseRunFolder(found.path);
        if (!parsed) continue;
        const folder = { path: canonicalFolder(parsed), tree: found.tree };
        // Only runs new to the branch: an old announcement must never revert a newer publish.
        if (mine.has(folder.path) || extra.some((other) => other.path === folder.path)) continue;
        if (
          base &&
          ((await reader.read(`${base}:${folder.path}`)) || (await reader.read(`${base}:runs/${parsed.project}/${parsed.month}/${parsed.id}/run.yaml`)))
        )
          continue;
        extra.push(folder);
      }
    }
    const candidate = extra.length ? (await buildCommit(cwd, reader, base, [...folders, ...extra])).commit : built.commit;
    try {
      if ((await pushCommit(cwd, remote, candidate, branch, signal)) === 'pushed') {
        await cleanUp(included);
        return { landed: true, commit: candidate, attempts: attempt };
      }
    } catch (error) {
      return { landed: false, reason: `pushing "${branch}" to the remote "${remote}" failed: ${messageOf(error)}`, attempts: attempt };
    }
    if (!announced && !(perMinute > 0)) {
      const ref = `${PENDING_NAMESPACE}/${process.pid}-${randomBytes(6).toString('hex')}`;
      const { commit } = await buildCommit(cwd, reader, undefined, folders);
      // A remote that refuses such refs just means no help from others: keep racing alone.
      if ((await pushRefs(cwd, remote, [`${commit}:${ref}`], signal ? { signal } : {}).catch(() => 'refused')) === 'pushed') {
        announced = { ref, commit };
        testKillPoint('publish:announced');
      }
    }
    await sleep(backoff(attempt), undefined, signal ? { signal } : {}).catch(() => {});
  }
  return { landed: false, reason: `the remote "${remote}" kept moving: gave up after ${MAX_PUSH_ATTEMPTS} attempts`, attempts: MAX_PUSH_ATTEMPTS };
}

const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * Why an announcement cannot be used, or undefined when it is sound: every folder under its
 * `runs/` must be `runs/<project>/<yyyy-mm>/<bucket>/<run id>` (or the old layout's
 * `runs/<project>/<yyyy-mm>/<run id>`) with names a run could have (a name holding
 * a newline, say, breaks the tree any writer would build from it) and hold a run.yaml.
 */
async function malformedAnnouncement(reader: ObjectReader, ref: string, commit: string): Promise<string | undefined> {
  if (!/^refs\/runpages\/pending\/[A-Za-z0-9._-]+$/.test(ref)) return 'its name is not one runpages writes';
  const level = async (path: string): Promise<{ name: string; type: string }[] | undefined> => (await reader.readTree(`${commit}:${path}`)) ?? undefined;
  const projects = await level('runs');
  if (!projects) return 'it holds no runs/ folder';
  for (const project of projects) {
    if (project.type !== 'tree' || !PROJECT_PATTERN.test(project.name)) return `${JSON.stringify(`runs/${project.name}`)} is not a project folder`;
    for (const month of (await level(`runs/${project.name}`)) ?? []) {
      const monthPath = `runs/${project.name}/${month.name}`;
      if (month.type !== 'tree' || !MONTH_PATTERN.test(month.name)) return `${JSON.stringify(monthPath)} is not a month folder`;
      for (const entry of (await level(monthPath)) ?? []) {
        const entryPath = `${monthPath}/${entry.name}`;
        // A bucket holds run folders; a folder with a run.yaml right under the month is an old-layout run.
        const bucket = BUCKET_PATTERN.test(entry.name) && !(await reader.read(`${commit}:${entryPath}/run.yaml`));
        for (const run of bucket ? ((await level(entryPath)) ?? []) : [entry]) {
          const runPath = bucket ? `${entryPath}/${run.name}` : entryPath;
          if (run.type !== 'tree' || !RUN_ID_PATTERN.test(run.name)) return `${JSON.stringify(runPath)} is not a run folder`;
          if (!(await reader.read(`${commit}:${runPath}/run.yaml`))) return `${JSON.stringify(runPath)} has no run.yaml`;
        }
      }
    }
  }
  return undefined;
}

/**
 * Brings the local branch up to the landed commit. When the local branch holds commits the remote
 * lacks (runs of publishers still in flight), the two are merged, so the local branch never loses a run.
 */
export async function catchUpLocal(cwd: string, reader: ObjectReader, ref: string, landed: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const local = await resolveCommit(cwd, ref);
    if (local && (await isAncestor(cwd, landed, local))) return;
    const target = local && !(await isAncestor(cwd, local, landed)) ? await mergeBranches(cwd, reader, landed, local) : landed;
    if (await updateRef(cwd, ref, target, local, 'runpages: catch up with the remote')) return;
    await sleep(Math.random() * 20);
  }
}

/**
 * Pushes the whole local branch (e.g. just created by `init`, or with files committed by other
 * tools such as the GitHub Pages trigger workflow), merging with the remote's when both moved.
 * Returns false, with the reason, when the remote cannot be reached; undefined remote: nothing to do.
 *
 * @example
 * const result = await pushLocalBranch({ cwd, config });
 * if (!result.pushed) warn(result.reason);
 */
export async function pushLocalBranch(options: {
  cwd: string;
  config: Config;
  signal?: AbortSignal;
  /** The clock the push budget is counted with; the system clock by default. */
  now?: () => Date;
}): Promise<{ pushed: true } | { pushed: false; reason: string }> {
  const { cwd, config, signal } = options;
  const now = options.now ?? (() => new Date());
  const { remote, branch } = config;
  const ref = `refs/heads/${branch}`;
  if (!(await hasRemote(cwd, remote))) return { pushed: false, reason: `there is no remote named "${remote}"` };
  const reader = new ObjectReader(cwd);
  try {
    let waitedS = 0;
    for (let attempt = 1; attempt <= MAX_PUSH_ATTEMPTS; attempt++) {
      const local = await resolveCommit(cwd, ref);
      if (!local) throw new RunpagesError('branch-not-found', `There is no local branch "${branch}" to push`, { hint: 'Create it with `runpages init`.' });
      let remoteTip: string | undefined;
      try {
        remoteTip = await fetchBranch(cwd, remote, branch, signal);
      } catch (error) {
        return { pushed: false, reason: `cannot fetch "${branch}" from the remote "${remote}": ${messageOf(error)}` };
      }
      if (remoteTip && (await isAncestor(cwd, local, remoteTip))) {
        await catchUpLocal(cwd, reader, ref, remoteTip);
        return { pushed: true };
      }
      const candidate = !remoteTip || (await isAncestor(cwd, remoteTip, local)) ? local : await mergeBranches(cwd, reader, remoteTip, local);
      const perMinute = config.push?.perMinute ?? 0;
      const wait = remoteTip && perMinute > 0 ? pushWait(await recentPushTimes(cwd, remoteTip, perMinute), now().getTime() / 1000, perMinute) : 0;
      if (wait > 0) {
        // The push budget (src/branch/push-rate.ts) holds for the whole branch too; a wait is no attempt.
        if (waitedS + wait > MAX_BUDGET_WAIT_S)
          return { pushed: false, reason: `the push budget of "${remote}" (${perMinute} a minute, config push.perMinute) stayed spent` };
        const pause = wait + Math.random() * Math.min(10, PUSH_WINDOW_S / perMinute);
        waitedS += pause;
        await sleep(pause * 1000, undefined, signal ? { signal } : {}).catch(() => {});
        attempt -= 1;
        continue;
      }
      try {
        if ((await pushCommit(cwd, remote, candidate, branch, signal)) === 'pushed') {
          await catchUpLocal(cwd, reader, ref, candidate);
          return { pushed: true };
        }
      } catch (error) {
        return { pushed: false, reason: `pushing "${branch}" to the remote "${remote}" failed: ${messageOf(error)}` };
      }
      await sleep(backoff(attempt), undefined, signal ? { signal } : {}).catch(() => {});
    }
    return { pushed: false, reason: `the remote "${remote}" kept moving: gave up after ${MAX_PUSH_ATTEMPTS} attempts` };
  } finally {
    reader.close();
  }
}

/** Full jitter: a random wait up to an exponentially growing, capped bound. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

/** The first useful line of an error, for a queue reason. */
function messageOf(error: unknown): string {
  if (error instanceof GitCommandError) {
    const lines = error.stderr
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    return lines.find((line) => line.startsWith('fatal:')) ?? lines[0] ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
