/**
 * `/compare/runs.json`: every run's id, name and project, so the comparison page can resolve id
 * prefixes and say clearly when an id matches nothing. Columnar to stay small.
 */
import type { APIRoute } from 'astro';
import { getSiteData } from '../../../../src/site/data.ts';

export const GET: APIRoute = async () => {
  const data = await getSiteData();
  const runs = [...data.runs].sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
  const body = {
    ids: runs.map((run) => run.record.id),
    names: runs.map((run) => run.record.name),
    projects: runs.map((run) => run.record.project),
  };
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
};
