/**
 * An MLflow run's artifacts as media (docs/design.md#media):
 * - `log_image(image, key=..., step=...)` (MLflow 2.x): `images/<key>%step%<step>%timestamp%<ms>%<uuid>.png`,
 *   `/` in the key written as `#`, beside a `...%compressed.webp` thumbnail (left out: it is a copy).
 *   Newer MLflow writes `+` instead of `%` (mlflow#14136); both are read.
 * - `log_image(image, "plots/x.png")`, `log_figure(fig, "roc.png")` and any other image artifact: an
 *   image keyed by its path without the extension, of the whole run (no step).
 * - `log_table(data, "predictions.json")`: JSON `{"columns": [...], "data": [[...], ...]}`, named in
 *   the `mlflow.loggedArtifacts` tag as `{"path": ..., "type": "table"}`, becomes a table keyed by its
 *   path without `.json`. Cells that are not strings, numbers, booleans or null are kept as their JSON.
 *
 * The artifacts are imported as artifacts too; the media point at the same files (the store keeps
 * one copy by sha256). Files behind symbolic links were refused when the folder was walked.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_MEDIA_DATA_BYTES } from '../run/limits.ts';
import type { ImportedMedium } from './imported-run.ts';
import { parsePythonJson } from './wandb.ts';

const IMAGE_FILE = /\.(png|jpe?g|gif|webp|svg)$/i;
/** `images/<key>%step%<n>%timestamp%<ms>%<uuid>[%compressed].<ext>`, or with `+` for `%`. */
const STEP_IMAGE = /^images\/([^/]+?)([%+])step\2(-?\d+)\2timestamp\2(\d+)\2[^/%+]+(\2compressed)?\.[a-z]+$/i;

/**
 * The media of an artifacts folder, sorted by path so the same folder always gives the same media.
 *
 * @example const media = await mlflowMedia(join(run, 'artifacts'), tags, warnings);
 */
export async function mlflowMedia(artifactsDir: string, tags: Record<string, string>, warnings: string[]): Promise<ImportedMedium[]> {
  const files = (await listFiles(artifactsDir, '')).sort();
  const tables = loggedTables(tags, warnings, artifactsDir);
  const media: ImportedMedium[] = [];
  for (const path of files) {
    const full = join(artifactsDir, path);
    const stepped = STEP_IMAGE.exec(path);
    if (stepped) {
      if (stepped[5]) continue; // the compressed thumbnail of the image beside it
      media.push({
        key: (stepped[1] as string).replaceAll('#', '/'),
        kind: 'image',
        step: Number(stepped[3]),
        time: Number(stepped[4]) / 1000,
        content: { path: full },
        ext: extension(path),
      });
    } else if (IMAGE_FILE.test(path)) {
      media.push({ key: path.replace(IMAGE_FILE, ''), kind: 'image', content: { path: full }, ext: extension(path) });
    } else if (tables.has(path)) {
      const table = await readTable(full, path, warnings, artifactsDir);
      if (table) media.push({ key: path.replace(/\.json$/i, ''), kind: 'table', content: { data: table }, ext: 'json' });
    }
  }
  // Stepped images sort by key and step on the branch anyway; keep the logging order within a step.
  return media;
}

/** Relative paths of the regular files under `folder`; links (refused by name when the artifacts were walked) are never followed. */
async function listFiles(folder: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await listFiles(join(folder, entry.name), `${prefix}${entry.name}/`)));
    else if (entry.isFile()) out.push(`${prefix}${entry.name}`);
  }
  return out;
}

/** Artifact paths the `mlflow.loggedArtifacts` tag names as tables. */
function loggedTables(tags: Record<string, string>, warnings: string[], source: string): Set<string> {
  const tag = tags['mlflow.loggedArtifacts'];
  const paths = new Set<string>();
  if (tag === undefined) return paths;
  let entries: unknown;
  try {
    entries = JSON.parse(tag);
  } catch {
    warnings.push(`${source}: tag mlflow.loggedArtifacts is not JSON; its tables are not imported as tables`);
    return paths;
  }
  if (!Array.isArray(entries)) return paths;
  for (const entry of entries) {
    const { path, type } = (entry ?? {}) as { path?: unknown; type?: unknown };
    if (type === 'table' && typeof path === 'string') paths.add(path);
  }
  return paths;
}

/** A log_table file as a runpages table, or undefined with a warning. */
async function readTable(full: string, path: string, warnings: string[], source: string): Promise<Uint8Array | undefined> {
  const leave = (why: string): undefined => {
    warnings.push(`${source}: table ${JSON.stringify(path)} ${why}; kept as an artifact, not shown as a table`);
    return undefined;
  };
  const size = (await stat(full)).size;
  if (size > MAX_MEDIA_DATA_BYTES) return leave(`is ${size} bytes, over the ${MAX_MEDIA_DATA_BYTES} bytes of a table medium`);
  let value: unknown;
  try {
    value = parsePythonJson(await readFile(full, 'utf8')); // pandas and json.dump write bare NaN
  } catch {
    return leave('is not JSON');
  }
  const { columns, data } = (value ?? {}) as { columns?: unknown; data?: unknown };
  if (!Array.isArray(columns) || !Array.isArray(data) || !data.every(Array.isArray)) return leave('is not {"columns": [...], "data": [[...], ...]}');
  const cell = (item: unknown): unknown => (item === null || ['string', 'number', 'boolean'].includes(typeof item) ? item : JSON.stringify(item));
  const table = { columns: columns.map(String), rows: (data as unknown[][]).map((row) => row.map(cell)) };
  return new TextEncoder().encode(JSON.stringify(table));
}

function extension(path: string): string {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase() ?? 'bin';
  return ext === 'jpeg' ? 'jpg' : ext;
}
