/**
 * The run table's data in the browser: the project's table index, then column files and id blocks
 * only as views need them (see src/index/table.ts), and the search index on the first text search.
 * Each file is fetched once.
 */
import type MiniSearch from 'minisearch';
import { ID_BLOCK, type ColumnData, type ColumnInfo, type TableIndex } from '../../../../src/index/table.ts';
import type { SearchDocument } from '../../../../src/index/search.ts';
import { decodeColumn, type Column } from './columns.ts';

export class TableData {
  readonly index: TableIndex;
  readonly infoByKey: Map<string, ColumnInfo>;
  readonly ids: Ids;
  /** Columns loaded so far, by key. */
  readonly columns = new Map<string, Column>();
  readonly #indexUrl: URL;
  readonly #searchUrl: URL;
  readonly #loading = new Map<string, Promise<Column>>();
  #search: Promise<MiniSearch<SearchDocument>> | undefined;

  /** Fetches the table index at `indexUrl`; the search index is fetched from `searchUrl` when first asked for. */
  static async open(indexUrl: URL, searchUrl: URL): Promise<TableData> {
    return new TableData((await fetchJson(indexUrl)) as TableIndex, indexUrl, searchUrl);
  }

  private constructor(index: TableIndex, indexUrl: URL, searchUrl: URL) {
    this.index = index;
    this.infoByKey = new Map(index.columns.map((info) => [info.key, info]));
    this.ids = new Ids(index, indexUrl);
    this.#indexUrl = indexUrl;
    this.#searchUrl = searchUrl;
  }

  /** The column `key`, fetched and decoded once; undefined for a key the table does not have. */
  load(key: string): Promise<Column> | undefined {
    const info = this.infoByKey.get(key);
    if (!info) return undefined;
    let column = this.#loading.get(key);
    if (!column) {
      column = fetchJson(new URL(info.file, this.#indexUrl)).then((data) => {
        const decoded = decodeColumn(info, data as ColumnData);
        this.columns.set(key, decoded);
        return decoded;
      });
      this.#loading.set(key, column);
    }
    return column;
  }

  /** The full-text index, with minisearch itself loaded only then. */
  loadSearch(): Promise<MiniSearch<SearchDocument>> {
    this.#search ??= Promise.all([fetchJson(this.#searchUrl), import('minisearch'), import('../../../../src/index/search.ts')]).then(
      ([json, { default: MiniSearchClass }, { SEARCH_OPTIONS }]) => MiniSearchClass.loadJS(json as never, SEARCH_OPTIONS) as MiniSearch<SearchDocument>,
    );
    return this.#search;
  }
}

/**
 * Run ids, loaded in blocks as rows need them (see src/index/table.ts): random ids barely compress,
 * so the first view fetches only the block of the rows it shows.
 */
export class Ids {
  readonly list: string[];
  readonly #index: TableIndex;
  readonly #base: URL;
  readonly #blocks = new Map<number, Promise<void>>();
  readonly #rows = new Map<string, number>();

  constructor(index: TableIndex, base: URL) {
    this.list = new Array<string>(index.count);
    this.#index = index;
    this.#base = base;
  }

  get(row: number): string | undefined {
    return this.list[row];
  }

  rowOf(id: string): number | undefined {
    return this.#rows.get(id);
  }

  ensure(rows: Iterable<number>): Promise<unknown> {
    const blocks = new Set<number>();
    for (const row of rows) blocks.add(Math.floor(row / ID_BLOCK));
    return Promise.all([...blocks].map((k) => this.#load(k)));
  }

  ensureAll(): Promise<unknown> {
    return Promise.all(this.#index.idFiles.map((_, k) => this.#load(k)));
  }

  #load(k: number): Promise<void> {
    let block = this.#blocks.get(k);
    if (!block) {
      block = fetchJson(new URL(this.#index.idFiles[k]!, this.#base)).then((data) => {
        (data as string[]).forEach((id, i) => {
          this.list[k * ID_BLOCK + i] = id;
          this.#rows.set(id, k * ID_BLOCK + i);
        });
      });
      this.#blocks.set(k, block);
    }
    return block;
  }
}

async function fetchJson(url: URL): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response.json();
}
