/**
 * One run folder's files and what validating them gives: pure (no files, no git), so the loader and
 * the build's worker threads (src/site/run-assets.ts) parse a run exactly alike.
 */
import { bucketProblem, parseRunFolder, runFolder } from '../run/layout.ts';
import { parseMediaManifest, type MediaManifest } from '../run/media.ts';
import { invalidRun, parseSeriesText, type InvalidRun } from '../run/parse-text.ts';
import type { RunRecord, SeriesFile } from '../run/schema.ts';
import { InvalidRunError, parseRunRecord } from '../run/validate.ts';
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
  /** The run's media.json (docs/design.md#media), when it has media. */
  media?: MediaManifest;
  /** Why its media.json was not read: the run is kept, its media are left out (the build report says so). */
  mediaProblem?: InvalidRun;
}

/** The raw text of one run's files, keyed by folder; what both sources produce. */
export interface RunFiles {
  folder: string;
  runYaml?: string;
  seriesJson?: string;
  mediaJson?: string;
  /** Why media.json was not read (over its limit): the run stays, its media are reported. */
  mediaRefused?: string;
  /**
   * The run's hash when the source knows it without reading the files (the branch: from blob ids).
   * A run whose hash is in the load cache then comes without its text.
   */
  hash?: string;
  /** Why the source refused to read the run's files (a symbolic link, a file over a size limit). */
  refused?: InvalidRun;
}

/** What validating a run's files gives besides its series: its record and its series' names (sorted). */
export interface ParsedRecord {
  record: RunRecord;
  seriesNames: string[];
  media?: MediaManifest;
  mediaProblem?: InvalidRun;
}

/**
 * One folder's files as a run (series apart) or the reason it is invalid: pure, so the build's
 * worker threads parse runs exactly as the loader does.
 */
export function parseRunFiles(entry: RunFiles, hash: string): { run: LoadedRun; series?: SeriesFile } | InvalidRun {
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
    return { run: { record, folder: entry.folder, hash, seriesNames, ...parseMedia(entry) }, ...(series ? { series } : {}) };
  } catch (error) {
    return invalidRun(error, runFile);
  }
}

/** A run's folder must match its record, or links and the branch layout disagree (src/run/layout.ts). */
export function checkPlacement(record: RunRecord, folder: string, file: string): void {
  const path = parseRunFolder(folder);
  const where = `Move the run to ${runFolder(record)}/ or fix its`;
  if (path?.id !== record.id) {
    throw new InvalidRunError(
      [{ file, field: 'id', message: `does not match its folder name "${path?.id ?? folder}"`, value: JSON.stringify(record.id) }],
      `${where} id.`,
    );
  }
  if (path.project !== record.project) {
    throw new InvalidRunError(
      [{ file, field: 'project', message: `does not match its folder "${path.project}"`, value: JSON.stringify(record.project) }],
      `${where} project.`,
    );
  }
  const misplaced = bucketProblem(path);
  if (misplaced) throw new InvalidRunError([{ file, field: 'id', message: misplaced, value: JSON.stringify(record.id) }], `${where} id.`);
}

/** A run's media.json, checked; a bad one costs the run its media, never the run itself. */
function parseMedia(entry: RunFiles): Pick<LoadedRun, 'media' | 'mediaProblem'> {
  const file = `${entry.folder}/media.json`;
  if (entry.mediaRefused !== undefined) return { mediaProblem: { file, reason: `${file}: ${entry.mediaRefused}` } };
  if (entry.mediaJson === undefined) return {};
  try {
    return { media: parseMediaManifest(entry.mediaJson, file) };
  } catch (error) {
    return { mediaProblem: invalidRun(error, file) };
  }
}
