/**
 * The lookup the ad hoc comparison page uses to turn run references (ids, id prefixes, names) into
 * ids, sharded so a page loads only what a reference needs: 100k runs are about 5 MB of ids and
 * names, one shard is about 1,000 runs (50 KB, half that gzip). Pure and browser-safe.
 *
 * Layout (written under `compare/`): `runs.json` is the manifest; `ids/<k>.json` hold runs sorted by
 * id, `names/<k>.json` the same runs sorted by name. Each shard's first key is in the manifest, so
 * the shards that can hold a prefix (or a name) are found without loading any other.
 */

export const LOOKUP_SCHEMA = 'runpages/run-lookup@1';

/** Runs per shard. */
export const LOOKUP_SHARD = 1024;

/** Runs of one shard, parallel arrays; `projects` are codes into the shard's `projectNames`. */
export interface LookupShard {
  ids: string[];
  names: string[];
  projects: number[];
  projectNames: string[];
}

export interface LookupManifest {
  schema: typeof LOOKUP_SCHEMA;
  count: number;
  /** Shards sorted by id: the first id of each and its file (relative to the manifest). */
  ids: { first: string; file: string }[];
  /** Shards sorted by name: the first name of each and its file. */
  names: { first: string; file: string }[];
}

export interface RunLookup {
  manifest: LookupManifest;
  /** Shard bodies by file path, as listed in the manifest. */
  shards: Map<string, LookupShard>;
}

export interface LookupRun {
  id: string;
  name: string;
  project: string;
}

/**
 * Builds the manifest and shards of `runs`.
 *
 * ```ts
 * const { manifest, shards } = buildRunLookup(runs.map((r) => r.record));
 * // write manifest as compare/runs.json, each shard under compare/<file>
 * ```
 */
export function buildRunLookup(runs: readonly LookupRun[]): RunLookup {
  const shards = new Map<string, LookupShard>();
  const split = (sorted: LookupRun[], folder: string, keyOf: (run: LookupRun) => string) => {
    const list: { first: string; file: string }[] = [];
    for (let start = 0; start < sorted.length; start += LOOKUP_SHARD) {
      const part = sorted.slice(start, start + LOOKUP_SHARD);
      const file = `${folder}/${list.length}.json`;
      const projectNames = [...new Set(part.map((run) => run.project))].sort();
      shards.set(file, {
        ids: part.map((run) => run.id),
        names: part.map((run) => run.name),
        projects: part.map((run) => projectNames.indexOf(run.project)),
        projectNames,
      });
      list.push({ first: keyOf(part[0]!), file });
    }
    return list;
  };
  const byId = [...runs].sort((a, b) => compare(a.id, b.id));
  const byName = [...runs].sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
  const manifest: LookupManifest = {
    schema: LOOKUP_SCHEMA,
    count: runs.length,
    ids: split(byId, 'ids', (run) => run.id),
    names: split(byName, 'names', (run) => run.name),
  };
  return { manifest, shards };
}

/**
 * The shard files that hold every run whose id starts with `reference` and every run named
 * `reference`: the lookup needs only these to resolve it exactly.
 *
 * @example lookupFiles(manifest, '01JC2') // ['ids/3.json', 'names/0.json']
 */
export function lookupFiles(manifest: LookupManifest, reference: string): string[] {
  return [...overlapping(manifest.ids, reference, true), ...overlapping(manifest.names, reference, false)];
}

/** Runs of some loaded shards, once each, as the parallel lists `resolveRunIds` takes. */
export function mergeShards(shards: Iterable<LookupShard>): { ids: string[]; names: string[]; projects: string[] } {
  const seen = new Set<string>();
  const out = { ids: [] as string[], names: [] as string[], projects: [] as string[] };
  for (const shard of shards) {
    shard.ids.forEach((id, i) => {
      if (seen.has(id)) return;
      seen.add(id);
      out.ids.push(id);
      out.names.push(shard.names[i]!);
      out.projects.push(shard.projectNames[shard.projects[i]!]!);
    });
  }
  return out;
}

/**
 * Shards whose key range meets the keys starting with `reference` (or, for names, equal to it):
 * from the last shard starting before it to the last shard starting within it.
 */
function overlapping(shards: readonly { first: string; file: string }[], reference: string, prefix: boolean): string[] {
  const inRange = (key: string) => (prefix ? key.startsWith(reference) : key === reference);
  // Strictly before: keys equal to the reference may end the shard before one that starts with it.
  let from = 0;
  for (let k = 0; k < shards.length; k++) if (compare(shards[k]!.first, reference) < 0) from = k;
  let to = from;
  while (to + 1 < shards.length && inRange(shards[to + 1]!.first)) to++;
  return shards.slice(from, to + 1).map((shard) => shard.file);
}

/** Code-unit order, the same in Node and every browser (localeCompare is not). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
