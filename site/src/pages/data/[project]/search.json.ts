/**
 * `/data/<project>/search.json`: the project's serialised MiniSearch index, fetched by the run table
 * on the first keystroke (load with `MiniSearch.loadJSON(text, SEARCH_OPTIONS)` from src/index/search.ts).
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { getSiteData } from '../../../../../src/site/data.ts';

export const getStaticPaths = (async () => {
  const data = await getSiteData();
  return data.projects.map((project) => ({ params: { project: project.name }, props: { search: project.search } }));
}) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => new Response((props as { search: string }).search, { headers: { 'Content-Type': 'application/json' } });
