/**
 * wandb history media as runpages media (docs/design.md#media). `wandb.log` writes a medium as a
 * dict with `_type` in the history row, and its file under the run folder's `files/`:
 * - `image-file` (`wandb.Image`): `{"_type": "image-file", "path": "media/images/<key>_<step>_<hash>.png", "caption"?}`
 * - `images/separated` (a list of images): `{"_type": "images/separated", "filenames": [...], "captions"?: [...]}`
 * - `table-file` (`wandb.Table`): `{"_type": "table-file", "path": "media/table/<key>_<step>_<hash>.table.json"}`,
 *   a file `{"columns": [...], "data": [[...], ...]}`; image cells (`image-file` dicts) become
 *   `{"image": <sha256>}` cells pointing at an image medium `<key>/images` of the same step
 * - `histogram` (`wandb.Histogram`): `{"_type": "histogram", "bins": [edges], "values": [counts]}`, inline
 *
 * A medium whose file is missing (wandb uploads and may delete it), lies outside `files/` or is a
 * link is left out and counted, like the types runpages has no kind for (audio, video, html, plotly,
 * 3D objects, molecules).
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { MAX_MEDIA_DATA_BYTES } from '../run/limits.ts';
import type { ImportedMedium } from './imported-run.ts';

/** A medium named in a history row, before its file is looked for. */
interface Pending {
  key: string;
  step: number;
  time?: number;
  /** The run folder's `files/`. */
  files: string;
  value: Record<string, unknown>;
}

/**
 * Collects the media of one run's history rows, then reads their files.
 *
 * @example
 * const media = new WandbMedia();
 * media.add('val/samples', value, { step, files: join(folder, 'files') });
 * run.media = await media.read(); warnings.push(...media.warnings(folder));
 */
export class WandbMedia {
  readonly #pending: Pending[] = [];
  readonly #leftOut = new Map<string, { count: number; keys: Set<string> }>();

  /** True when `value` is a wandb media dict (it is taken, or counted as left out). */
  add(key: string, value: unknown, at: { step: number; time?: number; files: string }): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { _type?: unknown })._type !== 'string') return false;
    this.#pending.push({ key, ...at, value: value as Record<string, unknown> });
    return true;
  }

  /** The media whose files are there, in history order. */
  async read(): Promise<ImportedMedium[]> {
    const out: ImportedMedium[] = [];
    for (const pending of this.#pending) {
      const { key, step, time, value } = pending;
      const at = { step, ...(time === undefined ? {} : { time }) };
      const type = value._type as string;
      if (type === 'image-file') {
        const image = await this.#file(pending, value.path, 'image');
        if (image) out.push({ key, kind: 'image', ...at, ...caption(value.caption), content: { path: image }, ext: extension(image) });
      } else if (type === 'images/separated') {
        const names = Array.isArray(value.filenames) ? value.filenames : [];
        const captions = Array.isArray(value.captions) ? value.captions : [];
        for (const [index, name] of names.entries()) {
          const image = await this.#file(pending, name, 'image');
          if (image) out.push({ key, kind: 'image', ...at, ...caption(captions[index]), content: { path: image }, ext: extension(image) });
        }
      } else if (type === 'table-file') {
        const table = await this.#file(pending, value.path, 'table');
        if (table) out.push(...(await this.#table(pending, table)));
      } else if (type === 'histogram') {
        const { bins, values } = value as { bins?: unknown; values?: unknown };
        if (!Array.isArray(bins) || !Array.isArray(values)) this.#leave(key, 'histograms without "bins" and "values"');
        else out.push({ key, kind: 'histogram', ...at, content: { data: new TextEncoder().encode(JSON.stringify({ bins, counts: values })) }, ext: 'json' });
      } else this.#leave(key, `${JSON.stringify(type)} media (runpages imports images, tables and histograms from wandb)`);
    }
    return out;
  }

  /** One warning per reason, with the count and the keys. Call after {@link read}. */
  warnings(source: string): string[] {
    return [...this.#leftOut].map(([reason, { count, keys }]) => {
      const names = [...keys].sort();
      const shown = names
        .slice(0, 5)
        .map((key) => JSON.stringify(key))
        .join(', ');
      return `${source}: left out ${count} ${reason}; key${names.length === 1 ? '' : 's'} ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
    });
  }

  /** The absolute path of a medium's file when it is a regular file inside `files/`, else left out with the reason. */
  async #file(pending: Pending, path: unknown, what: string): Promise<string | undefined> {
    if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.split(/[\\/]/).includes('..')) {
      this.#leave(pending.key, `${what}s whose path is not a plain path under files/`);
      return undefined;
    }
    const full = join(pending.files, path);
    const info = await lstat(full).catch(() => undefined);
    if (!info) {
      this.#leave(pending.key, `${what}s whose file is not in the run folder's files/ (wandb may have deleted it after uploading)`);
      return undefined;
    }
    const root = await realpath(pending.files).catch(() => pending.files);
    const real = await realpath(full).catch(() => '');
    if (info.isSymbolicLink() || !info.isFile() || !real.startsWith(root + sep)) {
      this.#leave(pending.key, `${what}s whose file is a link or not a regular file (imports never follow links)`);
      return undefined;
    }
    return full;
  }

  /** A wandb table file as a table medium, and the images its cells show as image media. */
  async #table(pending: Pending, path: string): Promise<ImportedMedium[]> {
    const { key, step, time } = pending;
    const at = { step, ...(time === undefined ? {} : { time }) };
    const bytes = await readFile(path);
    if (bytes.length > MAX_MEDIA_DATA_BYTES) {
      this.#leave(key, `tables over the ${MAX_MEDIA_DATA_BYTES} bytes of a table medium`);
      return [];
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.#leave(key, 'tables whose file is not JSON');
      return [];
    }
    const { columns, data } = (value ?? {}) as { columns?: unknown; data?: unknown };
    if (!Array.isArray(columns) || !Array.isArray(data) || !data.every(Array.isArray)) {
      this.#leave(key, 'tables whose file is not {"columns": [...], "data": [[...], ...]}');
      return [];
    }
    const images: ImportedMedium[] = [];
    const rows: unknown[][] = [];
    for (const row of data as unknown[][]) {
      const cells: unknown[] = [];
      for (const cell of row) {
        if (cell === null || ['string', 'number', 'boolean'].includes(typeof cell)) cells.push(cell);
        else if ((cell as { _type?: unknown })?._type === 'image-file') {
          const image = await this.#file(pending, (cell as { path?: unknown }).path, 'table image');
          if (image) {
            const sha256 = createHash('sha256')
              .update(await readFile(image))
              .digest('hex');
            if (!images.some((medium) => 'path' in medium.content && medium.content.path === image)) {
              images.push({ key: `${key}/images`, kind: 'image', ...at, content: { path: image }, ext: extension(image) });
            }
            cells.push({ image: sha256 });
          } else cells.push(null);
        } else cells.push(JSON.stringify(cell));
      }
      rows.push(cells);
    }
    const table = { columns: columns.map(String), rows };
    return [...images, { key, kind: 'table', ...at, content: { data: new TextEncoder().encode(JSON.stringify(table)) }, ext: 'json' }];
  }

  #leave(key: string, reason: string): void {
    const entry = this.#leftOut.get(reason) ?? { count: 0, keys: new Set<string>() };
    this.#leftOut.set(reason, entry);
    entry.count += 1;
    entry.keys.add(key);
  }
}

function caption(value: unknown): { caption?: string } {
  return typeof value === 'string' && value !== '' ? { caption: value } : {};
}

function extension(path: string): string {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase() ?? 'bin';
  return ext === 'jpeg' ? 'jpg' : ext;
}
