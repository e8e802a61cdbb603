/**
 * Loads runs for the index: from a folder laid out like the branch's `runs/`
 * (`<dir>/<project>/<yyyy-mm>/<bucket>/<id>/run.yaml` + `series.json`, or the older layout without buckets, src/run/layout.ts) or from a git branch read through the
 * object database (no checkout). Every file is validated with the one schema; bad runs are skipped
 * with a reason naming the file and field, never failing the whole load.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { BranchFile } from '../branch/read.ts';
import { BUCKET_PATTERN, bucketProblem, parseRunFolder, runFileOf, runFolder, type RunPath } from '../run/layout.ts';
import { invalidRun, parseSeriesText, type InvalidRun } from '../run/parse-text.ts';
import { MAX_RUN_YAML_BYTES, MAX_SERIES_JSON_BYTES, fileSizeBreach } from '../run/limits.ts';
import type { RunRecord, SeriesFile } from '../run/schema.ts';
import { InvalidRunError, formatIssue, limitError, parseRunRecord } from '../run/validate.ts';
import { parseYaml } from '../run/yaml.ts';

export interface LoadedRun {
  record: RunRecord;
  series?: SeriesFile;
  /** The run's folder as on the branch: `runs/<project>/<yyyy-mm>/<bucket>/<id>` (or the older `runs/<project>/<yyyy-mm>/<id>`). */
  folder: string;
  /** Changes whenever the run does: sha256 of its files, or on a branch of its folder and blob ids (no need to read them). */
  hash: string;
  /** Names of the series in series.json, sorted (kept when the series themselves are streamed). */
  seriesNames: string[];
}

export type { InvalidRun };

export interface LoadResult {
  runs: LoadedRun[];
  invalid: InvalidRun[];
}

/** The raw text of one run's files, keyed by folder; what both sources produce. */
export interface RunFiles {
  folder: string;
  runYaml?: string;
  seriesJson?: string;
  /**
   * The run's hash when the source knows it without reading the files (the branch: from blob ids).
   * A run whose hash is in the load cache then comes without its text.
   */
  hash?: string;
  /** Why the source refused to read the run's files (a symbolic link, a file over a size limit). */
  refused?: InvalidRun;
}

/**
 * Called with each valid run's series as it is parsed, when the caller wants them streamed instead of
 * kept on the run: at 100k runs the series would not fit in memory together.
 */
export type SeriesSink = (run: LoadedRun, series: SeriesFile) => void | Promise<void>;

/**
 * Takes a run's series.json text to parse and validate elsewhere (a worker thread), so the loading
 * thread parses only run.yaml. Resolves once the text is taken (that may wait, to bound memory); then
 * `parsed` gives the series' names, or the reason the file is invalid (the run is then reported
 * invalid, as if the loader had found it).
 */
export type SeriesTextSink = (run: LoadedRun, text: string, file: string) => Promise<{ parsed: Promise<string[] | InvalidRun> }>;

/**
 * Runs already validated, by content hash: a rebuild reuses them instead of parsing YAML and JSON
 * again. A run found here is returned without series and its series are not sent to `onSeries` (the
 * caller keeps them from the build that filled the cache). The loader adds every run it parses.
 */
export type LoadCache = Map<string, { record: RunRecord; seriesNames: string[] }>;

/**
 * Loads every run from `from`: a directory when one exists at that path (or the value contains a
 * path separator), else a git branch of the repository at `cwd`. Runs are parsed folder by folder as
 * they are read, so only one run's raw text is held at a time; with `onSeries` the series go to it
 * and are not kept, and with `onSeriesText` series.json is handed over unparsed (the build parses it
 * in a worker thread).
 *
 * @example const { runs, invalid } = await loadRuns({ from: 'runs', cwd: process.cwd() });
 */
export async function loadRuns(options: { from: string; cwd: string; onSeries?: SeriesSink; onSeriesText?: SeriesTextSink; cache?: LoadCache }): Promise<LoadResult> {
  const source = isDirectorySource(options.from, options.cwd)
    ? readFolder(resolve(options.cwd, options.from))
    : readBranch(options.from, options.cwd, (hash) => options.cache?.has(hash) ?? false);
  const runs: LoadedRun[] = [];
  const invalid: InvalidRun[] = [];
  const seriesParsed: { run: LoadedRun; outcome: Promise<string[] | InvalidRun> }[] = [];
  for await (const entry of source) {
    const hash = entry.hash ?? runHash(entry);
    const reused = options.cache ? fromCache(entry, hash, options.cache) : undefined;
    if (reused) {
      runs.push(reused);
      continue;
    }
    const elsewhere = options.onSeriesText !== undefined && entry.seriesJson !== undefined;
    const parsed = parseEntry(elsewhere ? { ...entry, seriesJson: undefined } : entry, hash);
    if ('reason' in parsed) {
      invalid.push(parsed);
      continue;
    }
    const { run, series } = parsed;
    if (elsewhere) {
      runs.push(run);
      const { parsed: outcome } = await (options.onSeriesText as SeriesTextSink)(run, entry.seriesJson as string, `${entry.folder}/series.json`);
      seriesParsed.push({ run, outcome });
      continue;
    }
    options.cache?.set(run.hash, { record: run.record, seriesNames: run.seriesNames });
    if (options.onSeries) {
      if (series) await options.onSeries(run, series);
      runs.push(run);
    } else runs.push(series ? { ...run, series } : run);
  }
  const failed = new Set<LoadedRun>();
  for (const { run, outcome } of seriesParsed) {
    const result = await outcome;
    if (Array.isArray(result)) {
      run.seriesNames = result;
      options.cache?.set(run.hash, { record: run.record, seriesNames: result });
    } else {
      failed.add(run);
      invalid.push(result);
    }
  }
  return finish(failed.size > 0 ? runs.filter((run) => !failed.has(run)) : runs, invalid);
}

/** True when `from` names a directory rather than a branch. */
export function isDirectorySource(from: string, cwd: string): boolean {
  const path = isAbsolute(from) ? from : join(cwd, from);
  if (existsSync(path) && statSync(path).isDirectory()) return true;
  return from.includes('/') || from.includes('\\') ? !looksLikeRef(from) : false;
}

/** `origin/runs` and `refs/heads/runs` are refs, not folders, when no such folder exists. */
function looksLikeRef(from: string): boolean {
  return /^(refs\/|origin\/|upstream\/)/.test(from);
}

/** Folders read ahead at once: enough to keep the disk busy, few enough to bound memory. */
const READ_AHEAD = 32;

async function* readFolder(dir: string): AsyncGenerator<RunFiles> {
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
      const tooLarge = fileSizeBreach(info.size, name === 'run.yaml' ? MAX_RUN_YAML_BYTES : MAX_SERIES_JSON_BYTES);
      if (tooLarge) return { ...run, refused: invalidRun(limitError(`runs/${entry}`, tooLarge), `runs/${entry}`) };
      const text = await readFile(join(dir, entry), 'utf8');
      if (name === 'run.yaml') run.runYaml = text;
      else run.seriesJson = text;
    }
    return run;
  };
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

/** The files of a run folder the loader reads. */
const RUN_FILES = ['run.yaml', 'series.json'] as const;

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
    return RUN_FILES.some((name) => names.has(name));
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
async function* readBranch(branch: string, cwd: string, known: (hash: string) => boolean): AsyncGenerator<RunFiles> {
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
  // Decided once: the blob reader must yield exactly these folders' files, in order.
  const unread = new Set(folders.filter((entry) => !known(entry.hash)));
  const blobs = readBlobs(cwd, [...unread].flatMap((entry) => entry.files));
  try {
    for (const entry of folders) {
      const { folder, files, hash } = entry;
      const run: RunFiles = { folder, hash };
      if (unread.has(entry)) {
        for (let i = 0; i < files.length; i += 1) {
          const { value: file } = await blobs.next();
          if (!file) throw new Error(`the branch ended before ${folder} was read`);
          const isRunYaml = file.path.endsWith('/run.yaml');
          const tooLarge = fileSizeBreach(file.content.length, isRunYaml ? MAX_RUN_YAML_BYTES : MAX_SERIES_JSON_BYTES);
          if (tooLarge) run.refused ??= invalidRun(limitError(file.path, tooLarge), file.path);
          else if (isRunYaml) run.runYaml = file.content.toString('utf8');
          else run.seriesJson = file.content.toString('utf8');
        }
      }
      yield run;
    }
  } finally {
    await blobs.return(undefined);
  }
}

/**
 * Validates raw run files into runs, collecting invalid ones (and duplicate ids) with reasons.
 * Pure: the same files give the same result in the same order (created desc, then id).
 */
export function parseRuns(files: RunFiles[]): LoadResult {
  const runs: LoadedRun[] = [];
  const invalid: InvalidRun[] = [];
  for (const entry of [...files].sort((a, b) => compare(a.folder, b.folder))) {
    const parsed = parseEntry(entry);
    if ('reason' in parsed) invalid.push(parsed);
    else runs.push(parsed.series ? { ...parsed.run, series: parsed.series } : parsed.run);
  }
  return finish(runs, invalid);
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
  return { record: hit.record, folder: entry.folder, hash, seriesNames: hit.seriesNames };
}

/** sha256 of a run's files (run.yaml and series.json). */
function runHash(entry: RunFiles): string {
  return createHash('sha256')
    .update(entry.runYaml ?? '')
    .update('\0')
    .update(entry.seriesJson ?? '')
    .digest('hex');
}

/** One folder's files as a run (series apart) or the reason it is invalid. */
function parseEntry(entry: RunFiles, hash = runHash(entry)): { run: LoadedRun; series?: SeriesFile } | InvalidRun {
  const runFile = `${entry.folder}/run.yaml`;
  if (entry.refused) return entry.refused;
  if (entry.runYaml === undefined) {
    return { file: runFile, reason: `${runFile}: is missing (the folder has series.json but no run.yaml)` };
  }
  try {
    const record = parseRunRecord(parseYaml(entry.runYaml, runFile), runFile);
    checkPlacement(record, entry.folder, runFile);
    const series = entry.seriesJson === undefined ? undefined : parseSeriesText(entry.seriesJson, `${entry.folder}/series.json`);
    const seriesNames = Object.keys(series?.series ?? {}).sort();
    return { run: { record, folder: entry.folder, hash, seriesNames }, ...(series ? { series } : {}) };
  } catch (error) {
    return invalidRun(error, runFile);
  }
}


/** Newest first, then by id; duplicates dropped. */
function finish(runs: LoadedRun[], invalid: InvalidRun[]): LoadResult {
  runs.sort((a, b) => compare(b.record.created, a.record.created) || compare(a.record.id, b.record.id));
  return dropDuplicates(runs, invalid);
}

/** A run's folder must match its record, or links and the branch layout disagree (src/run/layout.ts). */
function checkPlacement(record: RunRecord, folder: string, file: string): void {
  const path = parseRunFolder(folder);
  const where = `Move the run to ${runFolder(record)}/ or fix its`;
  if (path?.id !== record.id) {
    throw new InvalidRunError([{ file, field: 'id', message: `does not match its folder name "${path?.id ?? folder}"`, value: JSON.stringify(record.id) }], `${where} id.`);
  }
  if (path.project !== record.project) {
    throw new InvalidRunError([{ file, field: 'project', message: `does not match its folder "${path.project}"`, value: JSON.stringify(record.project) }], `${where} project.`);
  }
  const misplaced = bucketProblem(path);
  if (misplaced) throw new InvalidRunError([{ file, field: 'id', message: misplaced, value: JSON.stringify(record.id) }], `${where} id.`);
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
        reason: formatIssue({ file, field: 'id', message: `duplicates the run in ${first.folder}; only that one is shown`, value: JSON.stringify(run.record.id) }),
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
