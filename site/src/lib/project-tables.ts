/**
 * The run table of each project, built once per build process from the site data and shared by the
 * table page and its JSON endpoints (index.json, id blocks and one file per column).
 */
import { createHash } from 'node:crypto';
import { buildTable, idBlock, type Table } from '../../../src/index/table.ts';
import { getSiteData } from '../../../src/site/data.ts';

const tables = new Map<string, Promise<Table>>();

/** The table of `project`, built on first use. */
export function projectTable(project: string): Promise<Table> {
  let table = tables.get(project);
  if (!table) {
    table = getSiteData().then((data) => {
      const p = data.projectByName.get(project);
      if (!p) throw new Error(`no project named ${project}`);
      return buildTable(
        p.runs.map((run) => run.record),
        { project, columns: p.config.columns, goal: p.goal, metrics: p.config.metrics },
      );
    });
    tables.set(project, table);
  }
  return table;
}

export interface TableFile {
  /** Path under the table folder: `index.json`, `ids/<k>.json`, `c/<i>.json`. */
  file: string;
  body: string;
  /** Content hash: unchanged files are not written again (see src/site/page-keys.ts). */
  key: string;
}

/** Every data file of a project's table, serialised. */
export async function tableFiles(project: string): Promise<TableFile[]> {
  const table = await projectTable(project);
  const file = (path: string, data: unknown): TableFile => {
    const body = JSON.stringify(data);
    return { file: path, body, key: `run-table@1:${createHash('sha256').update(body).digest('hex')}` };
  };
  return [
    file('index.json', table.index),
    ...table.index.idFiles.map((path, k) => file(path, idBlock(table, k))),
    ...table.index.columns.map((info, i) => file(info.file, table.columns[i])),
  ];
}

/** Path of a project's table data (index.json; the other files beside it), relative to the base. */
export function tableIndexPath(project: string): string {
  return `p/${encodeURIComponent(project)}/runs/table/index.json`;
}
