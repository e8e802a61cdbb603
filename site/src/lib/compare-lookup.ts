/**
 * The compare page's run lookup (src/index/run-lookup.ts), built once per build process from the
 * site data and shared by `/compare/runs.json` (the manifest) and its shard files.
 */
import { createHash } from 'node:crypto';
import { buildRunLookup, type RunLookup } from '../../../src/index/run-lookup.ts';
import { getSiteData } from '../../../src/site/data.ts';

let lookup: Promise<RunLookup> | undefined;

/** The lookup of every run in the site, built on first use. */
export function compareLookup(): Promise<RunLookup> {
  lookup ??= getSiteData().then((data) => buildRunLookup(data.runs.map(({ record }) => ({ id: record.id, name: record.name, project: record.project }))));
  return lookup;
}

/** Every shard file, serialised, with a content hash as its key (see src/site/page-keys.ts). */
export async function compareLookupFiles(): Promise<{ file: string; body: string; key: string }[]> {
  const { shards } = await compareLookup();
  return [...shards].map(([file, shard]) => {
    const body = JSON.stringify(shard);
    return { file, body, key: `run-lookup@1:${createHash('sha256').update(body).digest('hex')}` };
  });
}
