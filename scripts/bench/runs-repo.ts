/**
 * A bare repository whose `runs` branch holds generated runs, written with one `git fast-import`
 * stream: the fastest plumbing path for many small files, and no working tree anywhere.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { runFolder, type PreparedRun } from '../../src/run/prepared.ts';

const IDENTITY = 'runpages-bench <bench@runpages.invalid>';

/** Creates an empty bare repository at `dir` with `main` as its default branch. */
export function initBareRepo(dir: string): void {
  execFileSync('git', ['init', '--bare', '-q', '-b', 'main', dir]);
}

/**
 * Commits `runs` onto `branch` of the bare repository `gitDir` in one commit (on top of the branch
 * when it exists). Streams, so 100k runs never sit in memory at once. Returns the run count.
 */
export async function importRuns(
  gitDir: string,
  branch: string,
  runs: Iterable<PreparedRun> | AsyncIterable<PreparedRun>,
  options: { message: string; time: Date; onRun?: (count: number) => void },
): Promise<number> {
  const exists = (() => {
    try {
      execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '-q', `refs/heads/${branch}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const child = spawn('git', ['--git-dir', gitDir, 'fast-import', '--quiet', '--done'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = once(child, 'close');
  const write = async (text: string | Uint8Array): Promise<void> => {
    if (!child.stdin.write(text)) await once(child.stdin, 'drain');
  };
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const bytes = async (path: string, content: Uint8Array): Promise<void> => {
    await write(`M 100644 inline ${path}\ndata ${content.length}\n`);
    await write(content);
    await write('\n');
  };
  const seconds = Math.floor(options.time.getTime() / 1000);
  await write(`commit refs/heads/${branch}\ncommitter ${IDENTITY} ${seconds} +0000\n${data(options.message)}`);
  if (exists) await write(`from refs/heads/${branch}^0\n`);
  let count = 0;
  for await (const run of runs) {
    const folder = runFolder(run.record);
    for (const [name, text] of Object.entries(run.files)) await write(`M 100644 inline ${folder}/${name}\n${data(text)}`);
    for (const [name, content] of Object.entries(run.media ?? {})) await bytes(`${folder}/media/${name}`, content);
    count++;
    options.onRun?.(count);
  }
  await write('\ndone\n');
  child.stdin.end();
  const [code] = (await closed) as [number | null];
  if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr.trim()}`);
  return count;
}
