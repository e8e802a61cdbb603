/**
 * Recording figures: the cost of `run.log()` in a hot loop, one run committed and pushed to a local
 * bare origin, and many writers landing runs on the same origin at once.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'runpages.js');

/** A fixed identity so commits work on a machine without git config. */
export const BENCH_GIT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: 'runpages bench',
  GIT_AUTHOR_EMAIL: 'bench@runpages.invalid',
  GIT_COMMITTER_NAME: 'runpages bench',
  GIT_COMMITTER_EMAIL: 'bench@runpages.invalid',
  GIT_TERMINAL_PROMPT: '0',
  NO_COLOR: '1',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...BENCH_GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A bare origin at `<dir>/origin.git` with one commit on `main`; returns its path. */
export function makeOrigin(dir: string): string {
  const origin = join(dir, 'origin.git');
  const seed = join(dir, 'seed');
  mkdirSync(seed, { recursive: true });
  git(dir, 'init', '--bare', '-q', '-b', 'main', origin);
  git(seed, 'init', '-q', '-b', 'main');
  writeFileSync(join(seed, 'train.py'), 'print("training")\n');
  git(seed, 'add', 'train.py');
  git(seed, 'commit', '-q', '-m', 'initial');
  git(seed, 'push', '-q', origin, 'main');
  return origin;
}

/** A clone of `origin` at `dir`, as a training job's checkout would be. */
export function cloneOrigin(origin: string, dir: string): string {
  git(ROOT, 'clone', '-q', origin, dir);
  return dir;
}

/** How many runs the origin's `runs` branch holds. */
export function runsOnOrigin(origin: string): number {
  try {
    return git(origin, 'ls-tree', '-r', '--name-only', 'runs')
      .split('\n')
      .filter((path) => path.endsWith('/run.yaml')).length;
  } catch {
    return 0;
  }
}

/** Per-call cost of `run.log()` over `calls` calls, and the time `finish()` then takes (commit and push included). */
export async function measureLog(checkout: string, calls: number): Promise<{ perCallUs: number; finishS: number }> {
  const api = join(ROOT, 'src', 'record', 'api.ts');
  if (!existsSync(api)) throw new Error('src/record/api.ts is not there yet');
  const { startRun } = (await import(api)) as typeof import('../../src/record/api.ts');
  const run = await startRun({ cwd: checkout, project: 'bench', params: { lr: 0.001 } });
  let loss = 2.3;
  const started = performance.now();
  for (let step = 0; step < calls; step++) {
    loss *= 0.999995;
    run.log({ 'train/loss': loss, lr: 0.001 }, { step });
  }
  const perCallUs = ((performance.now() - started) * 1000) / calls;
  const finishing = performance.now();
  await run.finish();
  return { perCallUs, finishS: (performance.now() - finishing) / 1000 };
}

/** Whether this checkout's CLI has `command` (commands land while the project grows). */
export function cliHas(command: string): boolean {
  try {
    execFileSync(process.execPath, [BIN, command, '--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Records one run in `checkout` the way a job would and publishes it: `runpages commit <dir>` of a
 * hand-made run directory when that command exists, else `runpages record -- true`.
 */
function writerArgs(checkout: string, index: number): string[] {
  if (cliHas('commit')) {
    const dir = join(checkout, 'out', `run-${index}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'params.json'), JSON.stringify({ lr: 0.001 * (index + 1), writer: index }));
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      `${Array.from({ length: 100 }, (_, step) => JSON.stringify({ step, 'train/loss': 2.3 / (step + 1) })).join('\n')}\n`,
    );
    return [BIN, 'commit', dir];
  }
  return [BIN, 'record', '--project', 'bench', '--param', `writer=${index}`, '--', 'true'];
}

function runProcess(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...BENCH_GIT_ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Wall time of one writer process publishing one run to `origin` from `checkout`. */
export async function measureOneCommit(checkout: string, origin: string): Promise<{ seconds: number; landed: boolean; via: string }> {
  const before = runsOnOrigin(origin);
  const args = writerArgs(checkout, 0);
  const started = performance.now();
  const result = await runProcess(args, checkout);
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) throw new Error(`runpages ${args[1]} exited ${result.code}: ${result.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return { seconds, landed: runsOnOrigin(origin) === before + 1, via: `runpages ${args[1]}` };
}

/**
 * `writers` processes, each in its own clone, publishing one run each to `origin` at the same time,
 * with the push budget off (`push.perMinute: 0`): how fast the race itself lands. Within the
 * default budget of 6 pushes a minute, 50 clones need 50 pushes, over 8 minutes; that case (and
 * coalescing within a clone) is measured by test/stress/push-rate.test.ts.
 */
export async function measureConcurrentWriters(
  root: string,
  origin: string,
  writers: number,
): Promise<{ seconds: number; landed: number; failed: number; via: string }> {
  const before = runsOnOrigin(origin);
  const jobs = Array.from({ length: writers }, (_, index) => {
    const checkout = cloneOrigin(origin, join(root, `writer-${index}`));
    writeFileSync(join(checkout, 'runpages.config.yaml'), 'push:\n  perMinute: 0\n');
    return { checkout, args: writerArgs(checkout, index) };
  });
  const started = performance.now();
  const results = await Promise.all(jobs.map((job) => runProcess(job.args, job.checkout)));
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    landed: runsOnOrigin(origin) - before,
    failed: results.filter((r) => r.code !== 0).length,
    via: `runpages ${jobs[0]?.args[1] ?? ''}`,
  };
}
