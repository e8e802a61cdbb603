/**
 * `/compare/media/<run id>.json`: what /compare/ shows of a run's media, for the runs that have
 * media (listed in `/compare/media.json`): the run page's media view (verified site paths, SVGs
 * drawn at build time, confusion matrices' counts for their difference), tables cut to the rows a
 * comparison shows. Rendered again only when the view changes.
 */
import type { APIRoute } from 'astro';
import { changedPaths, getSiteData } from '../../../../../src/site/data.ts';
import { COMPARE_TABLE_ROWS } from '../../../../../src/site/media-compare-html.ts';
import type { MediaGroup, RunMediaView } from '../../../../../src/site/media-view.ts';

export async function getStaticPaths() {
  const data = await getSiteData();
  const paths = [...data.media]
    .filter(([, view]) => view.groups.length > 0)
    .map(([id, view]) => ({ params: { id }, props: { view }, file: `compare/media/${id}.json`, key: `compare-media@1:${view.key}` }));
  return changedPaths('compare-media', paths);
}

/** The view without what a comparison does not use: the rows past the shown ones, curve points (no overlay in the browser). */
function compact(group: MediaGroup): MediaGroup {
  if (group.kind === 'table') return { ...group, items: group.items.map((item) => ({ ...item, rows: item.rows.slice(0, COMPARE_TABLE_ROWS) })) };
  if (group.kind === 'curve') return { ...group, items: group.items.map(({ curve: _curve, ...item }) => item) };
  return group;
}

export const GET: APIRoute = ({ props }) => {
  const view = (props as { view: RunMediaView }).view;
  return new Response(JSON.stringify({ schema: 'runpages/compare-media@1', groups: view.groups.map(compact) }), {
    headers: { 'content-type': 'application/json' },
  });
};
