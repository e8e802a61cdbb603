/**
 * Loads runs for the index: from a folder laid out like the branch's `runs/`
 * (`<dir>/<project>/<yyyy-mm>/<bucket>/<id>/run.yaml` + `series.json`, or the older layout without
 * buckets, src/run/layout.ts) or from a git branch read through the
 * object database (no checkout). Every file is validated with the one schema; bad runs are skipped
 * with a reason naming the file and field, never failing the whole load.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { BranchFile } from '../branch/read.ts';
import { BUCKET_PATTERN, runFileOf, type RunPath } from '../run/layout.ts';
import { invalidRun, type InvalidRun } from '../run/parse-text.ts';
import { MAX_MEDIA_MANIFEST_BYTES, MAX_RUN_YAML_BYTES, MAX_SERIES_JSON_BYTES, fileSizeBreach } from '../run/limits.ts';
import type { MediaManifest } from '../run/media.ts';
import type { RunRecord, SeriesFile } from '../run/schema.ts';
import { formatIssue, limitError } from '../run/validate.ts';
import { checkPlacement, parseRunFiles, type LoadedRun, type ParsedRecord, type RunFiles } from './run-files.ts';
import type { RunSource } from './source.ts';

export type { InvalidRun, LoadedRun, ParsedRecord, RunFiles };

export interface LoadResult {
  runs: LoadedRun[];
  invalid: InvalidRun[];
}

/**
 * Called with each valid run's series as it is parsed, when the caller wants them streamed instead of
 * kept on the run: at 100k runs the series would not fit in memory together.
 */
export type SeriesSink = (run: LoadedRun, series: SeriesFile) => void | Promise<void>;

/**
 * Parses and validates a run's files elsewhere (a worker thread of the build), so the loading thread
 * only reads files. Resolves once the files are taken (that may wait, to bound memory); then
 * `parsed` gives the run's record and series names, or the reason it is invalid. Whoever parses
 * calls {@link parseRunFiles}, so a run reads the same wherever it was parsed.
 */
export type RunParser = (files: RunFiles & { hash: string }) => Promise<{ parsed: Promise<ParsedRecord | InvalidRun> }>;

/**
 * Runs already validated, by content hash: a rebuild reuses them instead of parsing YAML and JSON
 * again. A run found here is returned without series and its series are not sent to `onSeries` (the
 * caller keeps them from the build that filled the cache). The loader adds every run it parses.
 */
export type LoadCache = Map<string, { record: RunRecord; seriesNames: string[]; media?: MediaManifest; mediaProblem?: InvalidRun }>;

/**
 * Loads every run from `source` (a folder, or a branch of the repository at `cwd`; see
 * ./source.ts for how a `--from` is decided). Runs are parsed folder by folder as
 * they are read, so only one run's raw text is held at a time; with `onSeries` the series go to it
 * and are not kept, and with `parseRun` each run's files are handed over unparsed (the build parses
 * them in its worker threads); `onCount` learns how many run folders the source holds before the
 * first is read.
 *
 * @example const { runs, invalid } = await loadRuns({ source: { folder: '/work/runs' }, cwd: process.cwd() });
 */
export async function loadRuns(options: {
  source: RunSource;
  cwd: string;
  onSeries?: SeriesSink;
  parseRun?: RunParser;
  onCount?: (folders: number) => void;
  cache?: LoadCache;
}): Promise<LoadResult> {
  const source =
    'folder' in options.source
      ? await readFolder(options.source.folder)
      : await readBranch(options.source.branch, options.cwd, (hash) => options.cache?.has(hash) ?? false);
  options.onCount?.(source.count);
  // In the source's order, whether parsed here or elsewhere: which of two runs with one id is kept
  // must not depend on where they were parsed.
  const slots: (LoadedRun | InvalidRun | Promise<LoadedRun | InvalidRun>)[] = [];
  for await (const entry of source.entries) {
    const hash = entry.hash ?? runHash(entry);
    const reused = options.cache ? fromCache(entry, hash, options.cache) : undefined;
    if (reused) {
      slots.push(reused);
      continue;
    }
    if (options.parseRun && !entry.refused && entry.runYaml !== undefined) {
      const { parsed } = await options.parseRun({ ...entry, hash });
      slots.push(parsed.then((result) => ('reason' in result ? result : { ...result, folder: entry.folder, hash })));
      continue;
    }
    const parsed = parseRunFiles(entry, hash);
    if ('reason' in parsed) {
      slots.push(parsed);
      continue;
    }
    const { run, series } = parsed;
    if (options.onSeries) {
      if (series) await options.onSeries(run, series);
      slots.push(run);
    } else slots.push(series ? { ...run, series } : run);
  }
  const runs: LoadedRun[] = [];
  const invalid: InvalidRun[] = [];
  for (const slot of slots) {
    const result = await slot;
    if ('reason' in result) {
      invalid.push(result);
      continue;
    }
    options.cache?.set(result.hash, cacheEntry(result));
    runs.push(result);
  }
  return finish(runs, invalid);
}

/** Folders read ahead at once: enough to keep the disk busy, few enough to bound memory. */
const READ_AHEAD = 32;

/** A source's run folders: how many, then each one's files in order. */
interface SourceFiles {
  count: number;
  entries: AsyncGenerator<RunFiles>;
}

async function readFolder(dir: string): Promise<SourceFiles> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RunpagesError('runs-not-found', `There is no folder of runs at ${dir}${existsSync(dir) ? ' (it is a file)' : ''}`, {
      hint: 'Pass --from with a folder laid out like runs/<project>/<yyyy-mm>/<bucket>/<id>/run.yaml (or the older runs/<project>/<yyyy-mm>/<id>/), or a branch name such as runs.',
    });
  }
  const folders = await runFolders(dir);
  const read = async (folder: string): Promise<RunFiles> => {
    const run: RunFiles = { folder: `runs/${folder}` };
    const refuse = (file: string, reason: string): RunFiles => ({ ...run, refused: { file: `runs/${file}`, reason: `runs/${file}: ${reason}` } });
    for (const name of RUN_FILES) {
      const entry = `${folder}/${name}`;
      // lstat, never stat: a symbolic link could make the site quote any file of the machine.
      const info = await lstat(join(dir, entry)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!info) continue;
      if (info.isSymbolicLink()) return refuse(entry, 'is a symbolic link, not read');
      if (!info.isFile()) return refuse(entry, 'is not a regular file, not read');
      const tooLarge = fileSizeBreach(info.size, fileLimit(name));
      if (tooLarge && name === MEDIA_FILE) {
        run.mediaRefused = tooLarge.message;
        continue;
      }
      if (tooLarge) return { ...run, refused: invalidRun(limitError(`runs/${entry}`, tooLarge), `runs/${entry}`) };
      const text = await readFile(join(dir, entry), 'utf8');
      if (name === 'run.yaml') run.runYaml = text;
      else if (name === MEDIA_FILE) run.mediaJson = text;
      else run.seriesJson = text;
    }
    return run;
  };
  async function* entries(): AsyncGenerator<RunFiles> {
    const pending: Promise<RunFiles>[] = [];
    for (let i = 0; i < folders.length; i++) {
      while (pending.length < READ_AHEAD && i + pending.length < folders.length) {
        const { folder, refused } = folders[i + pending.length] as RunFolder;
        const promise = refused ? Promise.resolve({ folder: `runs/${folder}`, refused }) : read(folder);
        promise.catch(() => {}); // awaited below in order; a failure surfaces there
        pending.push(promise);
      }
      yield await (pending.shift() as Promise<RunFiles>);
    }
  }
  return { count: folders.length, entries: entries() };
}

/** The files of a run folder the loader reads. */
const RUN_FILES = ['run.yaml', 'series.json', 'media.json'] as const;
const MEDIA_FILE = 'media.json';

function fileLimit(name: string): number {
  return name === 'run.yaml' ? MAX_RUN_YAML_BYTES : name === MEDIA_FILE ? MAX_MEDIA_MANIFEST_BYTES : MAX_SERIES_JSON_BYTES;
}

function cacheEntry(run: LoadedRun): NonNullable<ReturnType<LoadCache['get']>> {
  return {
    record: run.record,
    seriesNames: run.seriesNames,
    ...(run.media ? { media: run.media } : {}),
    ...(run.mediaProblem ? { mediaProblem: run.mediaProblem } : {}),
  };
}

interface RunFolder {
  /** `<project>/<yyyy-mm>/<bucket>/<id>` (or the old layout's `<project>/<yyyy-mm>/<id>`), or a shorter path when a symbolic link stands in for a folder. */
  folder: string;
  refused?: InvalidRun;
}

/**
 * The run folders under `dir`, sorted, in either layout (src/run/layout.ts): under a month, a folder
 * holding run.yaml or series.json is a run, and a two-hex folder holding none is a bucket of runs.
 * Walked without following symbolic links: a linked folder is listed as refused, never entered.
 * Hidden names are skipped, as the branch layout has none.
 */
async function runFolders(dir: string): Promise<RunFolder[]> {
  const found: RunFolder[] = [];
  const refuseLink = (path: string, runLevel: boolean): void => {
    const file = runLevel ? `runs/${path}/run.yaml` : `runs/${path}`;
    found.push({ folder: path, refused: { file, reason: `runs/${path}: is a symbolic link, not read` } });
  };
  const subfolders = async (parent: string, runLevel: boolean): Promise<string[]> => {
    const next: string[] = [];
    for (const entry of await readdir(join(dir, parent), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = parent ? `${parent}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) refuseLink(path, runLevel);
      else if (entry.isDirectory()) next.push(path);
    }
    return next;
  };
  const holdsRunFiles = async (folder: string): Promise<boolean> => {
    const names = new Set(await readdir(join(dir, folder)));
    return names.has('run.yaml') || names.has('series.json');
  };
  const months: string[] = [];
  for (const project of await subfolders('', false)) months.push(...(await subfolders(project, false)));
  for (const month of months) {
    for (const folder of await subfolders(month, true)) {
      if (await holdsRunFiles(folder)) found.push({ folder });
      else if (BUCKET_PATTERN.test(folder.slice(folder.lastIndexOf('/') + 1))) {
        for (const run of await subfolders(folder, true)) if (await holdsRunFiles(run)) found.push({ folder: run });
      }
    }
  }
  return found.sort((a, b) => compare(a.folder, b.folder));
}

/**
 * The branch's runs, folder by folder. A run's hash comes from its folder and blob ids, so a run
 * whose hash is `known` (cached from an earlier build) is yielded without reading its files: a
 * rebuild reads only new and changed runs.
 */
async function readBranch(branch: string, cwd: string, known: (hash: string) => boolean): Promise<SourceFiles> {
  const { listBranchFiles, readBlobs } = await import('../branch/read.ts');
  // ls-tree lists a folder's files together.
  const grouped: { folder: string; files: BranchFile[] }[] = [];
  for (const file of await listBranchFiles(cwd, branch, (path) => runFileOf(path) !== undefined)) {
    const folder = (runFileOf(file.path) as RunPath).folder;
    const last = grouped.at(-1);
    if (last?.folder === folder) last.files.push(file);
    else grouped.push({ folder, files: [file] });
  }
  const folders = grouped.map(({ folder, files }) => ({
    folder,
    files,
    hash: createHash('sha256')
      .update(`git\0${folder}`)
      .update(files.map((file) => `\0${file.path}\0${file.sha}`).join(''))
      .digest('hex'),
  }));
  async function* entries(): AsyncGenerator<RunFiles> {
    // Decided once, when reading starts (after `onCount`, which may change what is known): the blob
    // reader must yield exactly these folders' files, in order.
    const unread = new Set(folders.filter((entry) => !known(entry.hash)));
    const blobs = readBlobs(
      cwd,
      [...unread].flatMap((entry) => entry.files),
    );
    try {
      for (const entry of folders) {
        const { folder, files, hash } = entry;
        const run: RunFiles = { folder, hash };
        if (unread.has(entry)) {
          for (let i = 0; i < files.length; i += 1) {
            const { value: file } = await blobs.next();
            if (!file) throw new Error(`the branch ended before ${folder} was read`);
            const name = file.path.slice(file.path.lastIndexOf('/') + 1);
            const tooLarge = fileSizeBreach(file.content.length, fileLimit(name));
            if (tooLarge && name === MEDIA_FILE) run.mediaRefused = tooLarge.message;
            else if (tooLarge) run.refused ??= invalidRun(limitError(file.path, tooLarge), file.path);
            else if (name === 'run.yaml') run.runYaml = file.content.toString('utf8');
            else if (name === MEDIA_FILE) run.mediaJson = file.content.toString('utf8');
            else run.seriesJson = file.content.toString('utf8');
          }
        }
        yield run;
      }
    } finally {
      await blobs.return(undefined);
    }
  }
  return { count: folders.length, entries: entries() };
}

/**
 * Validates raw run files into runs, collecting invalid ones (and duplicate ids) with reasons;
 * `valid` are runs validated earlier (from a cache), taken as they are.
 * Pure: the same files give the same result in the same order (created desc, then id).
 */
export function parseRuns(files: RunFiles[], valid: LoadedRun[] = []): LoadResult {
  const runs: LoadedRun[] = [...valid];
  const invalid: InvalidRun[] = [];
  for (const entry of files) {
    const parsed = parseRunFiles(entry, runHash(entry));
    if ('reason' in parsed) invalid.push(parsed);
    else runs.push(parsed.series ? { ...parsed.run, series: parsed.series } : parsed.run);
  }
  // In folder order before the final sort, so which of two runs with one id is kept never depends
  // on which of them came from the cache.
  return finish(
    runs.sort((a, b) => compare(a.folder, b.folder)),
    invalid,
  );
}

/** The run as cached under its files' hash, when its folder still matches its record. */
function fromCache(entry: RunFiles, hash: string, cache: LoadCache): LoadedRun | undefined {
  const hit = cache.get(hash);
  if (!hit) return undefined;
  try {
    checkPlacement(hit.record, entry.folder, `${entry.folder}/run.yaml`);
  } catch {
    return undefined; // moved: parse again for the full reason
  }
  return {
    record: hit.record,
    folder: entry.folder,
    hash,
    seriesNames: hit.seriesNames,
    ...(hit.media ? { media: hit.media } : {}),
    ...(hit.mediaProblem ? { mediaProblem: hit.mediaProblem } : {}),
  };
}

/** sha256 of a run's files (run.yaml and series.json). */
function runHash(entry: RunFiles): string {
  return createHash('sha256')
    .update(entry.runYaml ?? '')
    .update('\0')
    .update(entry.seriesJson ?? '')
    .update(entry.mediaJson === undefined ? '' : `\0${entry.mediaJson}`)
    .update(entry.mediaRefused === undefined ? '' : `\0refused\0${entry.mediaRefused}`)
    .digest('hex');
}

/** Newest first, then by id; duplicates dropped. */
function finish(runs: LoadedRun[], invalid: InvalidRun[]): LoadResult {
  runs.sort((a, b) => compare(b.record.created, a.record.created) || compare(a.record.id, b.record.id));
  return dropDuplicates(runs, invalid);
}

/** Keeps the first run of each id (in the sorted order) and reports the others. */
function dropDuplicates(runs: LoadedRun[], invalid: InvalidRun[]): LoadResult {
  const seen = new Map<string, LoadedRun>();
  const kept: LoadedRun[] = [];
  for (const run of runs) {
    const first = seen.get(run.record.id);
    if (first) {
      const file = `${run.folder}/run.yaml`;
      invalid.push({
        file,
        field: 'id',
        reason: formatIssue({
          file,
          field: 'id',
          message: `duplicates the run in ${first.folder}; only that one is shown`,
          value: JSON.stringify(run.record.id),
        }),
      });
      continue;
    }
    seen.set(run.record.id, run);
    kept.push(run);
  }
  invalid.sort((a, b) => compare(a.file, b.file));
  return { runs: kept, invalid };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
