/**
 * `runpages verify`: does the store hold every object the runs reference (artifacts, full-resolution
 * series, git diffs) with the right size, and with `deep`, the right hash? The references are a pure
 * function of the records; the checks take the store as a parameter.
 */
import type { RunRecord } from '../run/schema.ts';
import type { ObjectStore } from './store.ts';

/** One place a run points at an object. */
export interface ObjectReference {
  run: string;
  project: string;
  /** What the run calls it: `artifact model.pt`, `series train/loss`, `git diff`. */
  what: string;
  /** Size the record declares (artifacts only). */
  size?: number;
}

export type ObjectStatus = 'ok' | 'missing' | 'wrong-size' | 'corrupt';

export interface ObjectCheck {
  sha256: string;
  status: ObjectStatus;
  /** Size in the store, when present. */
  storedSize?: number;
  /** What the stored bytes hash to, when `deep` found them corrupt. */
  actualSha256?: string;
  references: ObjectReference[];
}

export interface VerifyReport {
  store: string;
  deep: boolean;
  runs: number;
  objects: number;
  ok: number;
  /** Objects absent from the store. */
  missing: ObjectCheck[];
  /** Objects present with the wrong size, or (deep) the wrong hash. */
  corrupt: ObjectCheck[];
}

/**
 * Every object the runs reference, deduplicated by sha256, sorted; each with the runs that use it.
 *
 * @example objectReferences([record]).get(record.artifacts[0].sha256) // [{ run, what: 'artifact model.pt', size }]
 */
export function objectReferences(records: readonly RunRecord[]): Map<string, ObjectReference[]> {
  const refs = new Map<string, ObjectReference[]>();
  const add = (sha256: string, ref: ObjectReference): void => {
    const list = refs.get(sha256);
    if (list) list.push(ref);
    else refs.set(sha256, [ref]);
  };
  for (const record of records) {
    const base = { run: record.id, project: record.project };
    for (const artifact of record.artifacts) add(artifact.sha256, { ...base, what: `artifact ${artifact.path}`, size: artifact.size });
    for (const [name, series] of Object.entries(record.series)) if (series.sha256) add(series.sha256, { ...base, what: `series ${name}` });
    if (record.git?.diff) add(record.git.diff, { ...base, what: 'git diff' });
  }
  return new Map([...refs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Runs `task` over `items` with at most `limit` in flight, results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Checks every referenced object in `store`: present, declared size, and with `deep` the hash
 * (streaming each object once). `onProgress(done, total)` is called as objects are checked.
 *
 * @example
 * const report = await verifyStore(openStore(config.store, cwd), runs.map((r) => r.record), { deep: true });
 * if (report.missing.length || report.corrupt.length) process.exitCode = 1;
 */
export async function verifyStore(
  store: ObjectStore,
  records: readonly RunRecord[],
  options: {
    deep?: boolean;
    concurrency?: number;
    /** From this many referenced objects on, list the store once instead of asking per object. */
    listFrom?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<VerifyReport> {
  const deep = options.deep ?? false;
  const entries = [...objectReferences(records).entries()];
  let sizeOf = (sha256: string): Promise<number | undefined> => store.stat(sha256);
  if (store.list && entries.length >= (options.listFrom ?? 200)) {
    const listed = new Map<string, number>();
    const referenced = new Set(entries.map(([sha256]) => sha256));
    // Keep only what the runs reference: a shared store may hold far more.
    for await (const object of store.list()) if (referenced.has(object.sha256)) listed.set(object.sha256, object.size);
    sizeOf = async (sha256) => listed.get(sha256);
  }
  let done = 0;
  const checks = await mapLimit(entries, options.concurrency ?? (deep ? 4 : 16), async ([sha256, references]): Promise<ObjectCheck> => {
    const check = await checkObject(store, sha256, references, deep, await sizeOf(sha256));
    options.onProgress?.(++done, entries.length);
    return check;
  });
  return {
    store: store.location,
    deep,
    runs: records.length,
    objects: checks.length,
    ok: checks.filter((c) => c.status === 'ok').length,
    missing: checks.filter((c) => c.status === 'missing'),
    corrupt: checks.filter((c) => c.status === 'wrong-size' || c.status === 'corrupt'),
  };
}

async function checkObject(
  store: ObjectStore,
  sha256: string,
  references: ObjectReference[],
  deep: boolean,
  storedSize: number | undefined,
): Promise<ObjectCheck> {
  if (storedSize === undefined) return { sha256, status: 'missing', references };
  if (references.some((ref) => ref.size !== undefined && ref.size !== storedSize)) {
    return { sha256, status: 'wrong-size', storedSize, references };
  }
  if (deep) {
    const actual = await store.digest(sha256);
    // Deleted between the two calls: report what is true now.
    if (!actual) return { sha256, status: 'missing', references };
    if (actual.sha256 !== sha256) return { sha256, status: 'corrupt', storedSize: actual.size, actualSha256: actual.sha256, references };
  }
  return { sha256, status: 'ok', storedSize, references };
}
