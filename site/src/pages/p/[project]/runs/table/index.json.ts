/** The run table's index: row ids and the catalogue of columns (see src/index/table.ts). */
import type { APIRoute, GetStaticPaths } from 'astro';
import { getSiteData } from '../../../../../../../src/site/data.ts';
import { projectTable } from '../../../../../lib/run-table.ts';

export const getStaticPaths = (async () => {
  const data = await getSiteData();
  return data.projects.map((project) => ({ params: { project: project.name } }));
}) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => {
  const table = await projectTable(params.project!);
  return new Response(JSON.stringify(table.index), { headers: { 'Content-Type': 'application/json' } });
};
