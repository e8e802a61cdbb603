/**
 * Stress: `runpages commit` and `runpages record` killed with SIGKILL at seeded random moments while
 * they write the queue, commit and push to a bare origin. Afterwards both repositories pass
 * `git fsck --strict`, the branch holds only whole runs, and after `runpages sync` (and committing
 * again any run directory whose process died before it was queued) every run is on origin exactly once.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFolderOfPath } from '../../src/run/layout.ts';
import { parseRunRecord, parseSeriesFile } from '../../src/run/validate.ts';
import { parseYaml } from '../../src/run/yaml.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { TEST_GIT_ENV, git, makeTestRepo } from '../helpers/git.ts';

const SEED = 0x5eed_c0de;
const KILLS = 20;
const RECORD_TRIALS = 6;
const repo = makeTestRepo({ 'README.md': '# crash\n', '.gitignore': '.runpages/\nrun-*/\n' });
afterAll(() => repo.cleanup());

/** mulberry32: a small seeded PRNG, so a failing delay sequence can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts the CLI and SIGKILLs it after `delayMs` (if still running); resolves with how it ended. */
function runAndKill(args: string[], delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: repo.dir, env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1' }, stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, delayMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: killed && signal === 'SIGKILL', code });
    });
  });
}

function runDir(name: string): string {
  const dir = join(repo.dir, `run-${name}`);
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'metrics.jsonl'), `${Array.from({ length: 50 }, (_, step) => `{"step": ${step}, "loss": ${1 / (step + 1)}}`).join('\n')}\n`);
  writeFileSync(join(dir, 'artifacts', 'weights.bin'), `${name}\n`.repeat(20_000));
  return dir;
}

/** Every run folder on `ref` has a valid run.yaml, and the series.json its record promises. */
function checkWholeRuns(cwd: string, ref: string): string[] {
  const files = git(cwd, 'ls-tree', '-r', '--name-only', ref, 'runs/').split('\n').filter(Boolean);
  // Each file's run folder, in either layout (runs/<p>/<yyyy-mm>[/<bucket>]/<id>).
  const folders = [...new Set(files.map((file) => runFolderOfPath(file)?.folder ?? file))];
  const names: string[] = [];
  for (const folder of folders) {
    const record = parseRunRecord(parseYaml(git(cwd, 'show', `${ref}:${folder}/run.yaml`), `${folder}/run.yaml`), `${folder}/run.yaml`);
    if (Object.keys(record.series).length > 0) parseSeriesFile(JSON.parse(git(cwd, 'show', `${ref}:${folder}/series.json`)), `${folder}/series.json`);
    names.push(record.name);
  }
  return names;
}

function fsck(cwd: string): string {
  return execFileSync('git', ['fsck', '--strict', '--no-dangling', '--no-progress'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

it(`survives SIGKILL of ${KILLS} commits and ${RECORD_TRIALS} records at seeded random moments`, async () => {
  // Undisturbed commits set the time scale for the kill delays (the median of three).
  const names: string[] = [];
  const spans: number[] = [];
  for (const name of ['calm-0', 'calm-1', 'calm-2']) {
    const started = Date.now();
    const calm = await runCli(['commit', runDir(name), '--project', 'crash', '--name', name], { cwd: repo.dir });
    expect(calm.code, calm.stderr).toBe(0);
    spans.push(Date.now() - started);
    names.push(name);
  }
  const span = spans.sort((a, b) => a - b)[1] as number;
  const random = prng(SEED);
  const outcomes: string[] = [];
  // Until KILLS commits died mid-way. A commit that finishes before its kill shows the machine got
  // faster (load from elsewhere went away): the kill window shrinks to that commit's duration.
  let window = span;
  for (let i = 0, kills = 0; kills < KILLS && i < KILLS * 4; i++) {
    const name = `commit-${i}`;
    names.push(name);
    const delay = Math.round(random() * window);
    const started = Date.now();
    const result = await runAndKill(['commit', runDir(name), '--project', 'crash', '--name', name], delay);
    if (result.killed) kills += 1;
    else window = Math.max(50, Math.min(window, Date.now() - started));
    outcomes.push(`${name}@${delay}ms:${result.killed ? 'killed' : `exit ${result.code}`}`);
  }
  for (let i = 0; i < RECORD_TRIALS; i++) {
    const name = `record-${i}`;
    names.push(name);
    const delay = Math.round(random() * span * 1.5);
    const job = `echo '{"step": 1, "acc": 0.${i}}' >> "$RUNPAGES_DIR/metrics.jsonl"; echo ok`;
    const result = await runAndKill(['record', '--project', 'crash', '--name', name, '--dir', join(repo.dir, `run-${name}`), '--', 'sh', '-c', job], delay);
    outcomes.push(`${name}@${delay}ms:${result.killed ? 'killed' : `exit ${result.code}`}`);
  }
  console.log(`crash trials (seed ${SEED}, commit takes ~${span} ms): ${outcomes.join(' ')}`);
  expect(outcomes.filter((o) => o.startsWith('commit') && o.endsWith('killed')).length).toBeGreaterThanOrEqual(KILLS);

  // Right after the kills: no damage, and only whole runs, wherever the branch is.
  expect(fsck(repo.dir)).toBe('');
  expect(fsck(repo.origin)).toBe('');
  const afterKills = checkWholeRuns(repo.origin, 'runs').length;
  if (git(repo.dir, 'for-each-ref', 'refs/heads/runs')) checkWholeRuns(repo.dir, 'runs');

  // Recovery as a user would do it: sync the queue, then commit again what never reached it.
  const sync = await runCli(['sync'], { cwd: repo.dir });
  expect(sync.code, sync.stdout + sync.stderr).toBe(0);
  let landed = checkWholeRuns(repo.origin, 'runs');
  const afterSync = landed.length;
  for (const name of names.filter((n) => !landed.includes(n) && n.startsWith('commit-'))) {
    const again = await runCli(['commit', join(repo.dir, `run-${name}`), '--project', 'crash', '--name', name], { cwd: repo.dir });
    expect(again.code, `${name}: ${again.stderr}`).toBe(0);
  }
  landed = checkWholeRuns(repo.origin, 'runs');
  // A killed record has no command left to publish it; its directory is what remains, to commit by hand.
  for (const name of names.filter((n) => !landed.includes(n) && n.startsWith('record-'))) {
    const dir = join(repo.dir, `run-${name}`);
    if (!existsSync(dir)) continue; // killed before the recorder made anything: nothing was recorded
    const again = await runCli(['commit', dir, '--project', 'crash', '--name', name], { cwd: repo.dir });
    expect(again.code, `${name}: ${again.stderr}`).toBe(0);
  }
  landed = checkWholeRuns(repo.origin, 'runs');
  console.log(`runs on origin: ${afterKills} after the kills, ${afterSync} after sync, ${landed.length} after committing the unqueued again`);
  const commits = names.filter((n) => !n.startsWith('record-'));
  expect(landed.filter((n) => commits.includes(n)).sort()).toEqual(commits.sort());
  expect(new Set(landed).size, `duplicates: ${landed.join(', ')}`).toBe(landed.length);
  const queue = join(repo.dir, '.runpages/queue');
  expect(existsSync(queue) ? readdirSync(queue).filter((entry) => !entry.startsWith('.')) : []).toEqual([]);
  expect(fsck(repo.dir)).toBe('');
  expect(fsck(repo.origin)).toBe('');
});

/**
 * The sweep: not random moments but every named step (RUNPAGES_TEST_KILL_AT, see
 * src/branch/kill-point.ts) of a first commit, a re-commit of the same run and a sync, each killed
 * there and followed by `runpages sync`. After each: the run is on origin exactly once, with all its
 * files and its artifact in the store, as last asked for, and the queue folder is empty (no
 * dot-folder left either).
 */
describe('SIGKILL at every step', () => {
  const sweep = makeTestRepo({ 'README.md': '# sweep\n', '.gitignore': '.runpages/\nrun-*/\n' });
  afterAll(() => sweep.cleanup());
  const queue = join(sweep.dir, '.runpages/queue');
  let serial = 0;

  function sweepDir(): string {
    const dir = join(sweep.dir, `run-sweep-${serial++}`);
    mkdirSync(join(dir, 'artifacts'), { recursive: true });
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 0, "loss": 1}\n{"step": 1, "loss": 0.5}\n');
    writeFileSync(join(dir, 'artifacts', 'weights.bin'), `weights ${serial}\n`.repeat(1000));
    return dir;
  }

  /** The steps a command passes, in order, from a calm run with RUNPAGES_TEST_KILL_AT=list. */
  function stepsOf(stderr: string): string[] {
    return [...stderr.matchAll(/^runpages-test-kill-point (\S+)$/gm)].map((match) => match[1] as string);
  }

  /** The run (by name) is on origin exactly once, whole, its artifact stored; the queue is empty. */
  function assertLanded(name: string, label: string): void {
    const files = git(sweep.origin, 'ls-tree', '-r', '--name-only', 'runs', 'runs/').split('\n').filter(Boolean);
    const yamls = files.filter((file) => file.endsWith('/run.yaml'));
    const matching = yamls.filter((file) => new RegExp(`^name: ${name}$`, 'm').test(git(sweep.origin, 'show', `runs:${file}`)));
    expect(
      matching,
      `${label}: ${name} on origin among ${yamls.map((file) => /^name: .*$/m.exec(git(sweep.origin, 'show', `runs:${file}`))?.[0]).join(', ')}`,
    ).toHaveLength(1);
    const folder = (matching[0] as string).replace(/\/run\.yaml$/, '');
    expect(files.filter((file) => file.startsWith(`${folder}/`)).sort(), label).toEqual([`${folder}/run.yaml`, `${folder}/series.json`]);
    const record = parseRunRecord(parseYaml(git(sweep.origin, 'show', `runs:${folder}/run.yaml`), 'run.yaml'), 'run.yaml');
    for (const artifact of record.artifacts) {
      const object = join(sweep.dir, '.runpages/objects/sha256', artifact.sha256.slice(0, 2), artifact.sha256.slice(2));
      expect(existsSync(object), `${label}: artifact ${artifact.path} stored`).toBe(true);
    }
    expect(existsSync(queue) ? readdirSync(queue) : [], `${label}: queue`).toEqual([]);
  }

  async function commit(dir: string, name: string, env: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof runCli>>> {
    return runCli(['commit', dir, '--project', 'sweep', '--name', name], { cwd: sweep.dir, env });
  }

  async function syncAndCheck(name: string, label: string): Promise<void> {
    const sync = await runCli(['sync'], { cwd: sweep.dir });
    expect(sync.code, `${label}: ${sync.stderr}`).toBe(0);
    assertLanded(name, `${label} (sync said: ${sync.stderr.trim().replace(/\s+/g, ' ')})`);
  }

  it('of commit, re-commit and sync leaves every run on origin once after `runpages sync`', async () => {
    const started = Date.now();
    const commitSteps = stepsOf((await commit(sweepDir(), 'calm-commit', { RUNPAGES_TEST_KILL_AT: 'list' })).stderr);
    expect(commitSteps).toEqual(
      expect.arrayContaining([
        'enqueue:written',
        'enqueue:moved-aside',
        'enqueue:swapped',
        'publish:uploaded',
        'publish:pushed',
        'dequeue:renamed',
        'publish:dequeued',
      ]),
    );
    const outcomes: string[] = [];

    for (const step of commitSteps) {
      const name = `commit-${step.replace(':', '-')}`;
      const killed = await commit(sweepDir(), name, { RUNPAGES_TEST_KILL_AT: step });
      expect(killed.signal, `commit killed at ${step}`).toBe('SIGKILL');
      await syncAndCheck(name, `commit killed at ${step}`);
      outcomes.push(`commit@${step}`);
    }

    // Queued runs: origin unreachable while committing, back afterwards.
    const queueOne = async (name: string, dir = sweepDir()): Promise<void> => {
      git(sweep.dir, 'remote', 'set-url', 'origin', join(sweep.dir, 'no-such-origin.git'));
      try {
        const queued = await commit(dir, name);
        expect(queued.code).not.toBe(0);
      } finally {
        git(sweep.dir, 'remote', 'set-url', 'origin', sweep.origin);
      }
    };

    // A re-commit while the first version is still queued: the step between the queue's two renames matters.
    for (const step of commitSteps) {
      const dir = sweepDir();
      await queueOne(`before-${serial}`, dir);
      const name = `recommit-${step.replace(':', '-')}`;
      const killed = await commit(dir, name, { RUNPAGES_TEST_KILL_AT: step });
      expect(killed.signal, `re-commit killed at ${step}`).toBe('SIGKILL');
      await syncAndCheck(name, `re-commit killed at ${step}`);
      outcomes.push(`re-commit@${step}`);
    }

    await queueOne('calm-sync');
    const syncSteps = stepsOf((await runCli(['sync'], { cwd: sweep.dir, env: { RUNPAGES_TEST_KILL_AT: 'list' } })).stderr);
    assertLanded('calm-sync', 'calm sync');
    // Its objects uploaded while it was being committed: sync's steps start at the push.
    expect(syncSteps).toEqual(expect.arrayContaining(['publish:pushed', 'dequeue:renamed', 'publish:dequeued']));
    for (const step of syncSteps) {
      const name = `sync-${step.replace(':', '-')}`;
      await queueOne(name);
      const killed = await runCli(['sync'], { cwd: sweep.dir, env: { RUNPAGES_TEST_KILL_AT: step } });
      expect(killed.signal, `sync killed at ${step}`).toBe('SIGKILL');
      await syncAndCheck(name, `sync killed at ${step}`);
      outcomes.push(`sync@${step}`);
    }

    console.log(`kill sweep: ${outcomes.length} kills (${outcomes.join(' ')}) in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(fsck(sweep.dir)).toBe('');
    expect(fsck(sweep.origin)).toBe('');
  });
});
