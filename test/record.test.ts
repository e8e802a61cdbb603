import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRun } from '../src/record/api.ts';
import { friendlyName, ulid, ulidFactory, ulidTime } from '../src/record/id.ts';
import { metricsLine } from '../src/record/metrics-log.ts';
import { OutputTail } from '../src/record/recorder.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';
import type { RunRecord } from '../src/run/schema.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { git, makeTestRepo, TEST_GIT_ENV, type TestRepo } from './helpers/git.ts';
import { runPath } from './helpers/layout.ts';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const NODE = process.execPath;

// A training job: params, metrics through `runpages log`, an artifact, some output.
const TRAIN_SH = `set -e
cat > "$RUNPAGES_DIR/params.yaml" <<'YAML'
lr: 0.01
model: {layers: 4}
api_key: should-not-leak
YAML
for i in 1 2 3; do "$NODE" "$BIN" log --step $i train/loss=0.$((9 - i)) acc=0.$((5 + i)); done
printf 'weights-%s\\n' "$RUNPAGES_RUN_ID" > "$RUNPAGES_DIR/artifacts/model.bin"
echo "training with --token=hunter2secret"
echo "done $RUNPAGES_PROJECT"
`;

let repo: TestRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

function setup(): TestRepo {
  // No .gitignore for .runpages/: record must keep `git status` unchanged on its own.
  repo = makeTestRepo({
    'README.md': '# test\n',
    'train.sh': TRAIN_SH,
    'data.txt': 'one\n',
    'requirements.txt': 'torch==2.5.0\n',
  });
  return repo;
}

/** Everything about the user's checkout that recording must leave alone. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) if (name !== '.git' && name !== '.runpages') files[name] = readFileSync(join(dir, name), 'utf8');
  // Untracked files, named by git: run directories, the queue and the store must not appear.
  const untracked = git(dir, 'ls-files', '--others', '--exclude-standard');
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    symbolic: git(dir, 'symbolic-ref', 'HEAD'),
    index: git(dir, 'ls-files', '-s'),
    cached: git(dir, 'diff', '--cached'),
    diff: git(dir, 'diff'),
    status: git(dir, 'status', '--porcelain', '--untracked-files=all'),
    indexBytes: sha256(readFileSync(join(dir, '.git', 'index'))),
    files: JSON.stringify(files),
    untracked,
  };
}

/** The runs on origin's `runs` branch, validated. */
function originRuns(origin: string): Array<{ path: string; record: RunRecord }> {
  const paths = git(origin, 'ls-tree', '-r', '--name-only', 'runs')
    .split('\n')
    .filter((p) => p.endsWith('/run.yaml'));
  return paths.map((path) => ({ path, record: parseRunRecord(parseYaml(git(origin, 'show', `runs:${path}`), path), path) }));
}

function storePath(dir: string, hash: string): string {
  return join(dir, '.runpages', 'objects', 'sha256', hash.slice(0, 2), hash.slice(2));
}

const env = { NODE, BIN };

describe('runpages record', () => {
  it('records a job end to end without touching the working tree, index or HEAD', async () => {
    const { dir, origin } = setup();
    // A dirty tree: an unstaged edit, a staged new file, a staged edit.
    writeFileSync(join(dir, 'README.md'), '# test\nedited, not staged\n');
    writeFileSync(join(dir, 'new.txt'), 'staged new file\n');
    writeFileSync(join(dir, 'data.txt'), 'one\ntwo\n');
    git(dir, 'add', 'new.txt', 'data.txt');
    const before = snapshot(dir);

    const result = await runCli(['record', '--project', 'demo', '--tag', 'smoke', '--param', 'epochs=3', '--', 'sh', 'train.sh'], {
      cwd: dir,
      env: { ...env, SLURM_JOB_ID: '4242', HF_TOKEN: 'hf-envsecret-1', DATABASE_URL: 'postgres://u:envsecret2@db/x' },
    });
    expect(result.stderr).toContain('published');
    expect(result.code).toBe(0);
    // Output streams through unchanged.
    expect(result.stdout).toBe('training with --token=hunter2secret\ndone demo\n');
    expect(snapshot(dir)).toEqual(before);

    const runs = originRuns(origin);
    expect(runs).toHaveLength(1);
    const { path, record } = runs[0]!;
    expect(path).toBe(`${runPath('demo', record.created.slice(0, 7), record.id)}/run.yaml`);
    expect(record).toMatchObject({
      project: 'demo',
      status: 'finished',
      exit_code: 0,
      command: 'sh train.sh',
      tags: ['smoke'],
      params: { lr: 0.01, model: { layers: 4 }, api_key: '[redacted]', epochs: 3 },
      metrics: { 'train/loss': 0.6, acc: 0.8 },
      series: { 'train/loss': { points: 3, stored: 3 }, acc: { points: 3, stored: 3 } },
    });
    expect(record.output_tail).toBe('training with --token=[redacted]\ndone demo');
    expect(record.duration_s).toBeGreaterThanOrEqual(0);
    // Environment by allowlist: the job id is in, other variables are not.
    expect(record.env?.os).toBeTruthy();
    expect(record.env?.vars).toMatchObject({ SLURM_JOB_ID: '4242' });
    expect(Object.keys(record.env?.vars ?? {})).not.toContain('HF_TOKEN');
    expect(record.env?.lock).toEqual({ file: 'requirements.txt', sha256: sha256('torch==2.5.0\n') });
    expect(record.env?.runtimes?.node).toBe(process.versions.node);
    expect(record.git).toMatchObject({ commit: before.head, branch: 'main', dirty: true });
    const yamlText = git(origin, 'show', `runs:${path}`);
    expect(yamlText).not.toContain('should-not-leak');
    expect(yamlText).not.toContain('hunter2secret');
    expect(yamlText).not.toContain('envsecret');
    const series = JSON.parse(git(origin, 'show', `runs:${path.replace('run.yaml', 'series.json')}`));
    expect(series.series['train/loss'].value).toEqual([0.8, 0.7, 0.6]);

    // The artifact and the git patch are in the store with the right hashes.
    const artifact = record.artifacts.find((a) => a.path === 'model.bin')!;
    const content = `weights-${record.id}\n`;
    expect(artifact).toMatchObject({ sha256: sha256(content), size: content.length });
    expect(readFileSync(storePath(dir, artifact.sha256), 'utf8')).toBe(content);
    const patch = readFileSync(storePath(dir, record.git!.diff!), 'utf8');
    expect(patch).toContain('+edited, not staged');
    expect(patch).toContain('+staged new file');
  });

  it('passes exit codes through and records failures', async () => {
    const { dir, origin } = setup();
    const result = await runCli(['record', '--project', 'demo', '--', 'sh', '-c', 'echo boom >&2; exit 3'], { cwd: dir, env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('boom\n');
    const [run] = originRuns(origin);
    expect(run?.record).toMatchObject({ status: 'failed', exit_code: 3, output_tail: 'boom' });
  });

  it('publishes a run whose child was killed by SIGINT as killed, with exit code 130', async () => {
    const { dir, origin } = setup();
    const pidFile = join(dir, '.runpages', 'child.pid');
    // 'ready' first: writes to a pipe are synchronous on Linux, so it is out before the test can kill.
    const script = `console.log('ready'); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
    const running = runCli(['record', '--project', 'demo', '--', NODE, '-e', script], { cwd: dir, env });
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '') await new Promise((r) => setTimeout(r, 50));
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGINT');
    const result = await running;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('ready\n');
    const [run] = originRuns(origin);
    expect(run?.record).toMatchObject({ status: 'killed', exit_code: 130 });
  });

  it('forwards SIGTERM sent to record to the child and still publishes the run', async () => {
    const { dir, origin } = setup();
    const script = `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(143); }); console.log('ready'); setInterval(() => {}, 1000);`;
    const child = spawn(NODE, [BIN, 'record', '--project', 'demo', '--', NODE, '-e', script], {
      cwd: dir,
      env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('ready')) resolve();
      }),
    );
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(143);
    expect(stdout).toContain('child got SIGTERM');
    const [run] = originRuns(origin);
    expect(run?.record).toMatchObject({ status: 'killed', exit_code: 143 });
  });

  it('delivers a terminal Ctrl-C to the child once, not twice', async () => {
    const { dir, origin } = setup();
    // The job counts SIGINTs during a clean-up that takes a moment, as a Python job's `finally` would.
    const job = `let n = 0; process.on('SIGINT', () => { if (n++ === 0) setTimeout(() => { console.log('sigints=' + n); process.exit(130); }, 1000); }); console.log('ready'); setInterval(() => {}, 1000);`;
    writeFileSync(join(dir, 'job.js'), job);
    const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    // util-linux `script` runs record on a pseudo-terminal; ^C written to it is a real terminal interrupt.
    const line = [NODE, BIN, 'record', '--project', 'demo', '--', NODE, 'job.js'].map(quote).join(' ');
    // SHELL=/bin/sh: script runs the line through it, and sh keeps record in the foreground group.
    const child = spawn('script', ['-qec', line, '/dev/null'], {
      cwd: dir,
      env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1', SHELL: '/bin/sh' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const before = output;
      output += chunk.toString();
      if (!before.includes('ready') && output.includes('ready')) child.stdin.write('\x03');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(output).toContain('sigints=1');
    expect(code).toBe(130);
    const [run] = originRuns(origin);
    expect(run?.record).toMatchObject({ status: 'killed', exit_code: 130 });
  });

  it('keeps the child’s exit code and queues the run when the origin is unreachable', async () => {
    const { dir } = setup();
    git(dir, 'remote', 'set-url', 'origin', join(dir, 'no-such-origin.git'));
    const result = await runCli(['record', '--project', 'demo', '--', 'sh', '-c', 'exit 0'], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/not published yet/);
    expect(result.stderr).toContain('runpages sync');
  });

  // The contract changed: a job that cannot be recorded is refused before it starts, so a long job
  // never runs unrecorded by surprise (it used to run, then say it could not be published).
  it('refuses before starting the job when its run directory cannot be made', async () => {
    const { dir } = setup();
    const result = await runCli(['record', '--dir', 'train.sh/run', '--', 'sh', '-c', 'echo ran > ran.txt; exit 4'], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
    expect(result.stderr).toContain('cannot create the run directory');
    expect(result.stderr).toContain('the command was not started');
  });

  it('refuses outside a git repository, before starting the job, with the fix in the hint', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'runpages-norepo-'));
    try {
      const result = await runCli(['record', '--', 'sh', '-c', 'echo ran > ran.txt'], {
        cwd: outside,
        env: { ...env, GIT_CEILING_DIRECTORIES: dirname(outside) },
      });
      expect(result.code).toBe(1);
      expect(existsSync(join(outside, 'ran.txt'))).toBe(false);
      expect(result.stderr).toContain('is not inside a git repository');
      expect(result.stderr).toContain('the command was not started');
      expect(result.stderr).toMatch(/hint.*git init.*runpages init/);
      expect(existsSync(join(outside, '.runpages'))).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses in a repository it cannot write to, before starting the job', async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere: nothing to refuse
    const { dir } = setup();
    chmodSync(join(dir, '.git', 'refs'), 0o555);
    try {
      const result = await runCli(['record', '--', 'sh', '-c', 'echo ran > ran.txt'], { cwd: dir, env });
      expect(result.code).toBe(1);
      expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
      expect(result.stderr).toContain('runs branch cannot be created');
    } finally {
      chmodSync(join(dir, '.git', 'refs'), 0o755);
    }
  });

  it('records nothing for a command that does not exist (127) or cannot be executed (126), as a shell', async () => {
    const { dir, origin } = setup();
    const missing = await runCli(['record', '--', 'nosuchcommand-runpages', '--flag'], { cwd: dir, env });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('command not found: "nosuchcommand-runpages"');
    expect(missing.stderr).toContain('nothing was recorded');
    writeFileSync(join(dir, 'not-executable.sh'), 'echo hi\n');
    const denied = await runCli(['record', '--', './not-executable.sh'], { cwd: dir, env });
    expect(denied.code).toBe(126);
    expect(denied.stderr).toContain('cannot run "./not-executable.sh"');
    // No junk run anywhere: not on origin, not on the local branch, no run directory left behind.
    expect(() => git(origin, 'rev-parse', '--verify', 'runs')).toThrow();
    expect(() => git(dir, 'rev-parse', '--verify', 'runs')).toThrow();
    expect(readdirSync(join(dir, '.runpages', 'runs'))).toEqual([]);
  });
});

describe('run ids', () => {
  it('are ULIDs: time-sortable, monotonic within a millisecond, carrying their time', () => {
    const make = ulidFactory();
    const at = Date.parse('2026-11-23T10:00:00Z');
    const ids = Array.from({ length: 1000 }, () => make(at));
    expect(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(ulidTime(ids[0]!)?.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(make(at + 1) > ids.at(-1)!).toBe(true);
    // A clock that steps back does not break the order.
    expect(make(at - 5000) > ids.at(-1)!).toBe(true);
  });

  it('get friendly names derived from the id', () => {
    expect(friendlyName('01JD2Z3W4X5Y6Z7A8B9C0D1E2F')).toBe(friendlyName('01JD2Z3W4X5Y6Z7A8B9C0D1E2F'));
    expect(friendlyName('01JD2Z3W4X5Y6Z7A8B9C0D1E2F')).toMatch(/^[a-z]+-[a-z]+-\d{1,2}$/);
    const names = new Set(Array.from({ length: 200 }, () => friendlyName(ulid())));
    expect(names.size).toBeGreaterThan(190);
  });
});

describe('OutputTail', () => {
  it('keeps the last lines across chunk boundaries, with progress bars at their last state', () => {
    const tail = new OutputTail(3);
    tail.push('line 1\nline 2\nli');
    tail.push('ne 3\nepoch 1: 10%\repoch 1: 50%');
    tail.push('\repoch 1: 100%\nlast, no newline password=hunter2');
    expect(tail.text()).toBe('line 3\nepoch 1: 100%\nlast, no newline password=[redacted]');
  });

  it('stays small whatever the volume', () => {
    const tail = new OutputTail();
    for (let i = 0; i < 10_000; i++) tail.push(`${'x'.repeat(300)} ${i}\n`);
    const text = tail.text();
    expect(text.length).toBeLessThanOrEqual(6000);
    expect(text.endsWith(' 9999')).toBe(true);
    expect(text.startsWith('x')).toBe(true);
  });
});

describe('runpages log', () => {
  it('writes one JSON line the run-directory reader accepts, NaN and infinities as strings', () => {
    expect(metricsLine(['train/loss=0.5', 'gn=nan', 'x=inf', 'y=-Infinity', 'n=1e3'], '7', new Date(1_763_900_000_500))).toBe(
      '{"step":7,"train/loss":0.5,"gn":"NaN","x":"Infinity","y":"-Infinity","n":1000,"time":1763900000.5}',
    );
    expect(metricsLine(['a=1'], undefined, new Date(0))).toBe('{"a":1,"time":0}');
    expect(() => metricsLine(['step=3'], undefined, new Date(0))).toThrow('"step" is not a metric');
    expect(() => metricsLine(['a=1'], 'ten', new Date(0))).toThrow('--step "ten" is not a number');
  });

  it('explains that it needs runpages record when RUNPAGES_DIR is unset', async () => {
    const { dir } = setup();
    const result = await runCli(['log', 'loss=1'], { cwd: dir, env: { RUNPAGES_DIR: undefined } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('RUNPAGES_DIR is not set');
    expect(result.stderr).toContain('runpages record --');
  });

  it('rejects a value that is not a number', async () => {
    const { dir } = setup();
    const result = await runCli(['log', 'loss=low'], { cwd: dir, env: { RUNPAGES_DIR: dir } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('metric "loss" must be a number (got "low")');
    expect(existsSync(join(dir, 'metrics.jsonl'))).toBe(false);
  });
});

describe('TypeScript API', () => {
  it('startRun, log, param, tag, note, artifact, finish publish a run', async () => {
    const { dir, origin } = setup();
    delete process.env.RUNPAGES_DIR; // In case the suite itself runs under runpages record.
    writeFileSync(join(dir, '.runpages-plot.svg'), '<svg/>');
    const run = await startRun({ project: 'api', params: { lr: 0.1 }, tags: ['a'], cwd: dir });
    expect(readFileSync(join(run.dir, 'run.yaml'), 'utf8')).toContain('status: running');
    for (let step = 0; step < 2500; step++) run.log({ loss: 1 / (step + 1), 'val/acc': step === 7 ? Number.NaN : step / 2500 });
    run.param('optimizer.name', 'adam');
    run.param('hf_token', 'leak-me-not');
    run.tag('b');
    await run.note('Tried a *higher* lr.');
    await run.artifact(join(dir, '.runpages-plot.svg'), 'plot.svg');
    const outcome = await run.finish();
    expect(outcome.published).toEqual([run.id]);

    const [published] = originRuns(origin);
    expect(published?.record).toMatchObject({
      id: run.id,
      project: 'api',
      status: 'finished',
      params: { lr: 0.1, optimizer: { name: 'adam' }, hf_token: '[redacted]' },
      tags: ['a', 'b'],
      notes: 'Tried a *higher* lr.\n',
      series: { loss: { points: 2500, stored: 1000 }, 'val/acc': { points: 2500 } },
      artifacts: [{ path: 'plot.svg', sha256: sha256('<svg/>'), size: 6, type: 'image/svg+xml' }],
    });
    const fullHash = published!.record.series.loss!.sha256!;
    const full = JSON.parse(readFileSync(storePath(dir, fullHash), 'utf8'));
    expect(full.series.loss.value).toHaveLength(2500);
    await expect(run.finish()).rejects.toMatchObject({ code: 'run-finished' });
  });

  it('joins the run being recorded when it runs under runpages record', async () => {
    const { dir, origin } = setup();
    const api = join(import.meta.dirname, '..', 'src', 'record', 'api.ts');
    const job = `import { startRun } from ${JSON.stringify(api)};
const run = await startRun({ params: { lr: 0.5 } });
for (let step = 0; step < 3; step++) run.log({ loss: 1 / (step + 1) });
run.tag('api');
console.log('api run ' + run.id);
const outcome = await run.finish();
console.log('published by the job: ' + outcome.published.length);
`;
    writeFileSync(join(dir, 'job.mts'), job);
    const result = await runCli(['record', '--project', 'joined', '--tag', 'cli', '--', NODE, 'job.mts'], { cwd: dir });
    expect(result.code).toBe(0);
    const runs = originRuns(origin);
    expect(runs).toHaveLength(1);
    const { record } = runs[0]!;
    expect(result.stdout).toBe(`api run ${record.id}\npublished by the job: 0\n`);
    expect(record).toMatchObject({ project: 'joined', status: 'finished', params: { lr: 0.5 }, series: { loss: { points: 3 } } });
    expect([...record.tags].sort()).toEqual(['api', 'cli']);
  });
});
