/**
 * The run table's data files (see src/index/table.ts): `index.json` (catalogue of columns), `ids/<k>.json`
 * (run ids in blocks) and `c/<i>.json` (one column each), loaded by the table page as views need them.
 */
import type { APIRoute } from 'astro';
import { changedPaths, getSiteData } from '../../../../../../../src/site/data.ts';
import { tableFiles } from '../../../../../lib/project-tables.ts';

export async function getStaticPaths() {
  const data = await getSiteData();
  const paths = await Promise.all(
    data.projects.map(async (project) =>
      (await tableFiles(project.name)).map(({ file, body, key }) => ({
        params: { project: project.name, file },
        props: { body },
        file: `p/${project.name}/runs/table/${file}`,
        key,
      })),
    ),
  );
  return changedPaths('run-table', paths.flat());
}

export const GET: APIRoute = ({ props }) => new Response((props as { body: string }).body, { headers: { 'Content-Type': 'application/json' } });
