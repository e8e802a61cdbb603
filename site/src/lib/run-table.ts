/**
 * The run table of each project, built once per build process from the site data and shared by the
 * table page and its JSON endpoints (index.json and one file per column).
 */
import { buildTable, type Table } from '../../../src/index/table.ts';
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

/** Path of a project's table data (index.json; column files beside it), relative to the base. */
export function tableIndexPath(project: string): string {
  return `p/${encodeURIComponent(project)}/runs/table/index.json`;
}
