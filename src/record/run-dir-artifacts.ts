/** A run directory's artifacts/ folder: every file, hashed, with its type, for the object store. */
import { artifactPathProblem } from '../run/artifact-path.ts';
import { readdir, realpath } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Artifact } from '../run/schema.ts';
import { InvalidRunError } from '../run/validate.ts';
import { classifyRunFile, hashRunFile, openRunFile, type RunFileWarn } from './read-run-file.ts';

const MIME_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.pdf': 'application/pdf',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.parquet': 'application/vnd.apache.parquet',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.npy': 'application/octet-stream',
  '.pt': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
  '.mp4': 'video/mp4',
  '.wav': 'audio/wav',
  '.diff': 'text/x-diff',
  '.patch': 'text/x-diff',
};

/**
 * Every regular file under artifacts/, hashed, sorted by path. A symbolic link leading outside the
 * run is refused; FIFOs, sockets and devices are left out with a warning, never opened; a folder
 * reached twice (a link back up the tree) is walked once.
 */
export async function readArtifacts(dir: string, warn: RunFileWarn): Promise<Array<Artifact & { source: string }>> {
  const root = await classifyRunFile(dir, 'artifacts');
  if (root.kind === 'missing') return [];
  if (root.kind !== 'folder') {
    throw new InvalidRunError([{ file: 'artifacts', field: '', message: 'must be a folder of files' }], 'Put artifact files inside an artifacts/ folder.');
  }
  const out: Array<Artifact & { source: string }> = [];
  const walked = new Set<string>();
  const walk = async (folder: string, realFolder: string): Promise<void> => {
    if (walked.has(realFolder)) return;
    walked.add(realFolder);
    for (const entry of await readdir(join(dir, folder))) {
      const name = `${folder}/${entry}`;
      const path = name.slice('artifacts/'.length);
      // Checked here so an unsafe name (a .git folder, a control character) never reaches the branch.
      const problem = artifactPathProblem(path);
      if (problem) {
        throw new InvalidRunError(
          [{ file: `artifacts/${JSON.stringify(path).slice(1, -1)}`, field: '', message: `cannot be an artifact: its path ${problem}` }],
          'Rename or remove that file under artifacts/; `runpages pull` would refuse to write it.',
        );
      }
      const found = await classifyRunFile(dir, name);
      if (found.kind === 'folder') await walk(name, await realpath(found.path));
      else if (found.kind === 'special') warn(`${name} is ${found.what}, not a regular file: left out of the run's artifacts (it was not opened)`);
      else if (found.kind === 'file') {
        const file = await openRunFile(dir, name, { maxBytes: Number.MAX_SAFE_INTEGER, warn });
        if (!file) continue;
        const digest = await hashRunFile(file);
        out.push({ path, ...digest, type: MIME_TYPES[extname(entry).toLowerCase()] ?? 'application/octet-stream', source: file.path });
      }
    }
  };
  await walk('artifacts', await realpath(root.path));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
