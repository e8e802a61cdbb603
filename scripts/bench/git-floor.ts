/**
 * The raw floor for loading: what git itself needs to list a branch and read every blob on it
 * (`ls-tree -r` + one `cat-file --batch`), with no parsing at all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';

/** Seconds to list `branch` of `gitDir` and stream every blob's content through `cat-file --batch`. */
export async function gitFloorSeconds(gitDir: string, branch: string): Promise<{ seconds: number; blobs: number; bytes: number }> {
  const started = performance.now();
  const listing = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', branch], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ids: string[] = [];
  for (const line of listing.split('\n')) {
    const match = /^\d+ blob ([0-9a-f]{40,64})\t/.exec(line);
    if (match?.[1]) ids.push(match[1]);
  }
  const child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const closed = once(child, 'close');
  for (const id of ids) if (!child.stdin.write(`${id}\n`)) await once(child.stdin, 'drain');
  child.stdin.end();
  await closed;
  return { seconds: (performance.now() - started) / 1000, blobs: ids.length, bytes };
}
