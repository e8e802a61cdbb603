/** One block of run ids of the run table (rows `block * ID_BLOCK ...`), loaded when those rows are shown. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { idBlock } from '../../../../../../../../src/index/table.ts';
import { getSiteData } from '../../../../../../../../src/site/data.ts';
import { projectTable } from '../../../../../../lib/run-table.ts';

export const getStaticPaths = (async () => {
  const data = await getSiteData();
  const paths = await Promise.all(
    data.projects.map(async (project) => {
      const table = await projectTable(project.name);
      return table.index.idFiles.map((_, k) => ({ params: { project: project.name, block: String(k) } }));
    }),
  );
  return paths.flat();
}) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => {
  const table = await projectTable(params.project!);
  return new Response(JSON.stringify(idBlock(table, Number(params.block))), { headers: { 'Content-Type': 'application/json' } });
};
