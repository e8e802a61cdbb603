/** One column of the run table, loaded by the browser when a view needs it. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { getSiteData } from '../../../../../../../../src/site/data.ts';
import { projectTable } from '../../../../../../lib/run-table.ts';

export const getStaticPaths = (async () => {
  const data = await getSiteData();
  const paths = await Promise.all(
    data.projects.map(async (project) => {
      const table = await projectTable(project.name);
      return table.columns.map((_, i) => ({ params: { project: project.name, column: String(i) } }));
    }),
  );
  return paths.flat();
}) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => {
  const table = await projectTable(params.project!);
  const column = table.columns[Number(params.column)];
  return new Response(JSON.stringify(column), { headers: { 'Content-Type': 'application/json' } });
};
