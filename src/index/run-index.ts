/**
 * The index the site is built from: loaded runs grouped by project, each project with its columns,
 * goal, best run and serialised search index; runs linked to their children. Pure: the same runs and
 * config give the same index.
 */
import type { Config, ProjectConfig } from '../config.ts';
import type { RunEditInfo } from './edits.ts';
import { bestRun, chooseGoal } from '../report/goal.ts';
import type { RunRecord } from '../run/schema.ts';
import { projectColumns, type Column } from './columns.ts';
import type { InvalidRun, LoadResult } from './load.ts';
import { buildSearchIndex } from './search.ts';

/** A run in the index: its record and where it came from, without its series (loaded per page). */
export interface IndexedRun {
  record: RunRecord;
  folder: string;
  /** Content hash of the run's files; the cache key of everything derived from the run. */
  hash: string;
  /** Names of the series stored with the run (series.json), sorted. */
  seriesNames: string[];
  /** Ids of runs that name this run as a parent, newest first. */
  children: string[];
  /** The latest change after the fact, from the branch's history (src/index/edits.ts). */
  edited?: RunEditInfo;
}

export interface ProjectGoal {
  metric: string;
  direction: 'max' | 'min';
  target?: number;
  baseline?: number | string;
  /** True when the project config names the goal; false when runpages chose it (see chooseGoal). */
  configured: boolean;
}

export interface ProjectIndex {
  name: string;
  /** Title from config, else the project name. */
  title: string;
  description?: string;
  config: ProjectConfig;
  /** Run ids, newest first. */
  runIds: string[];
  columns: Column[];
  /** `created` of the newest run. */
  latest?: string;
  goal?: ProjectGoal;
  /** The finished or running run with the best value of the goal metric (see bestRun). */
  best?: { id: string; value: number };
  statusCounts: Record<string, number>;
  /** Serialised MiniSearch index (see search.ts), written as a lazily loaded JSON file. */
  search: string;
}

export interface RunIndex {
  runs: IndexedRun[];
  projects: ProjectIndex[];
  invalid: InvalidRun[];
}

/**
 * Builds the index from loaded runs and the config.
 *
 * @example const index = buildIndex(await loadRuns({ from: 'runs', cwd }), loadConfig(cwd));
 */
export function buildIndex(load: LoadResult & { edits?: ReadonlyMap<string, RunEditInfo> }, config: Config): RunIndex {
  const children = new Map<string, string[]>();
  for (const { record } of load.runs) {
    for (const parent of record.parents) {
      const list = children.get(parent);
      if (list) list.push(record.id);
      else children.set(parent, [record.id]);
    }
  }
  const runs: IndexedRun[] = load.runs.map((run) => ({
    record: run.record,
    folder: run.folder,
    hash: run.hash,
    seriesNames: run.seriesNames,
    children: children.get(run.record.id) ?? [],
    ...(load.edits?.has(run.record.id) ? { edited: load.edits.get(run.record.id) as RunEditInfo } : {}),
  }));
  const byProject = new Map<string, RunRecord[]>();
  // Push, not spread: copying the list for every run is quadratic (minutes at 100k runs).
  for (const { record } of runs) {
    let list = byProject.get(record.project);
    if (!list) byProject.set(record.project, (list = []));
    // Archived runs keep their pages (in `runs`) but leave the tables, summaries and leaderboards;
    // their project stays, so their pages keep its breadcrumb.
    if (record.archived !== true) list.push(record);
  }
  const names = [...new Set([...byProject.keys()])].sort();
  const projects = names.map((name) => projectIndex(name, byProject.get(name) ?? [], config.projects[name] ?? {}));
  return { runs, projects, invalid: load.invalid };
}

function projectIndex(name: string, records: RunRecord[], config: ProjectConfig): ProjectIndex {
  const columns = projectColumns(records);
  const goal = projectGoal(records, config);
  const statusCounts: Record<string, number> = {};
  for (const record of records) statusCounts[record.status] = (statusCounts[record.status] ?? 0) + 1;
  const best = goal ? bestRun(records, goal) : undefined;
  const latest = records[0]?.created;
  return {
    name,
    title: config.title ?? name,
    ...(config.description ? { description: config.description } : {}),
    config,
    runIds: records.map((r) => r.id),
    columns,
    ...(latest ? { latest } : {}),
    ...(goal ? { goal } : {}),
    ...(best ? { best } : {}),
    statusCounts,
    search: buildSearchIndex(records),
  };
}

/** The project's goal as {@link chooseGoal} picks it, so every page ranks runs by the same metric. */
function projectGoal(records: RunRecord[], config: ProjectConfig): ProjectGoal | undefined {
  const chosen = chooseGoal(records, config);
  if (!chosen) return undefined;
  const { metric, direction, target, baseline } = chosen.goal;
  return {
    metric,
    direction,
    ...(target === undefined ? {} : { target }),
    ...(baseline === undefined ? {} : { baseline }),
    configured: !chosen.defaulted,
  };
}
