/**
 * `/data/<project>/metrics.json`: the project's metric labels, units and formats
 * (`projects.<name>.metrics` in the config), fetched by lean run pages so their values read as on
 * full pages without each of thousands of pages carrying a copy.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { getSiteData } from '../../../../../src/site/data.ts';

export const getStaticPaths = (async () => {
  const data = await getSiteData();
  return data.projects.map((project) => ({ params: { project: project.name }, props: { metrics: project.config.metrics ?? {} } }));
}) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) =>
  new Response(JSON.stringify((props as { metrics: unknown }).metrics), { headers: { 'Content-Type': 'application/json' } });
