/**
 * Where a run lives on the runs branch (docs/design.md#branch), the one place that knows:
 *
 *   runs/<project>/<yyyy-mm>/<bucket>/<run-id>/run.yaml (+ series.json)
 *
 * `bucket` is two hex digits of a hash of the id (256 buckets), so no tree of the branch passes
 * GitHub's 3,000-entry guidance for directory width: a month holds at most 256 buckets, and a bucket
 * reaches 3,000 runs on average only past 768,000 runs of one project in one month. Day folders
 * would not do (one sweep can record 3,000 runs in a day), nor characters of the id (ULIDs start
 * with the time; imported ids have other shapes). A month of 4,096 buckets would itself be too wide.
 *
 * Branches written by earlier versions hold the older `runs/<project>/<yyyy-mm>/<run-id>/`; readers take
 * both (a folder holding run files is a run, a two-hex folder holding folders is a bucket), writers
 * write only the new one, and `runpages migrate` moves an old branch over in one commit.
 */
import type { RunRecord } from './schema.ts';

/** A bucket folder's name. */
export const BUCKET_PATTERN = /^[0-9a-f]{2}$/;

/** The files a run folder holds on the branch (beside its media/ folder). */
export const RUN_FILE_NAMES = ['run.yaml', 'series.json', 'media.json'] as const;

/**
 * The bucket of a run id: the low byte of its 32-bit FNV-1a hash over UTF-8, as two hex digits.
 * FNV-1a because it is a few lines in any language (the Python client computes it too) and spreads
 * similar ids (ULIDs of one second) evenly.
 *
 * @example runBucket('01JC1A2B3C4D5E6F7G8H9J0K1M') // 'e4'
 */
export function runBucket(id: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash & 0xff).toString(16).padStart(2, '0');
}

/** The month folder of a run: `yyyy-mm` of its creation time, in UTC. */
export function runMonth(created: string): string {
  return new Date(created).toISOString().slice(0, 7);
}

/**
 * Folder of a run on the branch: `runs/<project>/<yyyy-mm>/<bucket>/<run-id>`.
 *
 * @example runFolder(record) // 'runs/vision/2026-11/e4/01JC1A2B3C4D5E6F7G8H9J0K1M'
 */
export function runFolder(record: Pick<RunRecord, 'project' | 'created' | 'id'>): string {
  return `runs/${record.project}/${runMonth(record.created)}/${runBucket(record.id)}/${record.id}`;
}

/** Folder of a run in the layout before buckets: `runs/<project>/<yyyy-mm>/<run-id>`. */
export function legacyRunFolder(record: Pick<RunRecord, 'project' | 'created' | 'id'>): string {
  return `runs/${record.project}/${runMonth(record.created)}/${record.id}`;
}

/** A run folder's path taken apart. */
export interface RunPath {
  /** `runs/<project>/<month>[/<bucket>]/<id>` */
  folder: string;
  project: string;
  month: string;
  /** Undefined in the old layout. */
  bucket?: string;
  id: string;
}

const FOLDER = /^runs\/([^/]+)\/([^/]+)\/(?:([0-9a-f]{2})\/)?([^/]+)$/;
const FILE = /^(runs\/[^/]+\/[^/]+\/(?:[0-9a-f]{2}\/)?[^/]+)\/(run\.yaml|series\.json|media\.json)$/;

/**
 * A run folder's parts, in either layout, or undefined for a path that is no run folder. Five
 * segments are the new layout; four the old (`runs/p/2026-11/ab` is the old folder of run `ab`).
 */
export function parseRunFolder(folder: string): RunPath | undefined {
  const match = FOLDER.exec(folder);
  if (!match) return undefined;
  const [, project, month, bucket, id] = match as unknown as [string, string, string, string | undefined, string];
  return { folder, project, month, ...(bucket === undefined ? {} : { bucket }), id };
}

/**
 * The run folder and file name of a run file's path (`.../run.yaml`, `series.json`, `media.json`) in either
 * layout, or undefined for any other path.
 *
 * @example runFileOf('runs/p/2026-11/e4/01JC/run.yaml') // { folder: 'runs/p/2026-11/e4/01JC', file: 'run.yaml', ... }
 */
export function runFileOf(path: string): (RunPath & { file: (typeof RUN_FILE_NAMES)[number] }) | undefined {
  const match = FILE.exec(path);
  if (!match) return undefined;
  const parsed = parseRunFolder(match[1] as string);
  return parsed && { ...parsed, file: match[2] as (typeof RUN_FILE_NAMES)[number] };
}

/**
 * The run folder holding the file at `path` (any file of the folder, in either layout), or undefined
 * outside every run folder. A path two levels below a two-hex fourth segment is read as bucketed.
 */
export function runFolderOfPath(path: string): RunPath | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'runs' || parts.length < 5) return undefined;
  const bucketed = parts.length >= 6 && BUCKET_PATTERN.test(parts[3] as string);
  return parseRunFolder(parts.slice(0, bucketed ? 5 : 4).join('/'));
}

/** The folder a run found at `path` (either layout) belongs in now. */
export function canonicalFolder(path: RunPath): string {
  return `runs/${path.project}/${path.month}/${runBucket(path.id)}/${path.id}`;
}

/** Why a run at `path` is misplaced for its bucket, or undefined when its bucket is its id's (or it has none). */
export function bucketProblem(path: RunPath): string | undefined {
  if (path.bucket === undefined || path.bucket === runBucket(path.id)) return undefined;
  return `is in bucket "${path.bucket}", but the id's bucket is "${runBucket(path.id)}"`;
}
