/**
 * The Python client (clients/python, the `runpages` package) end to end with the machine's python3: scripts log
 * runs that land on the origin's runs branch through the real CLI, standalone and under
 * `runpages record`; failures and interrupts are recorded as such; problems never crash the script.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml } from '../src/run/yaml.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, runCli, type CliResult } from './helpers/cli.ts';
import { git, makeTestRepo, TEST_GIT_ENV, type TestRepo } from './helpers/git.ts';

/** The project's one YAML reader; `any` because the tests read fields of files they know. */
const parse = (text: string): any => parseYaml(text, 'test.yaml');

// The package's source: the module runs as installed, without installing it for this test.
const CLIENT = fileURLToPath(new URL('../clients/python/src', import.meta.url));

let repo: TestRepo;

function runPython(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  writeFileSync(join(repo.dir, script.split('\n')[0]!.replace(/^# /, '')), script);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args.length ? args : [script.split('\n')[0]!.replace(/^# /, '')], {
      cwd: repo.dir,
      env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1', PYTHONPATH: CLIENT, RUNPAGES_BIN: `${process.execPath} ${BIN}`, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** run.yaml of the one run of `project` on the origin's branch. */
function originRun(project: string): { folder: string; record: Record<string, any> } {
  const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
  const found = files.filter((file) => file.startsWith(`runs/${project}/`) && file.endsWith('/run.yaml'));
  expect(found, `runs of ${project}`).toHaveLength(1);
  const file = found[0]!;
  return { folder: file.slice(0, -'/run.yaml'.length), record: parse(git(repo.origin, 'show', `runs:${file}`)) as Record<string, any> };
}

const TRAIN = `# train.py
import runpages
with runpages.start(project="cifar", params={"lr": 0.1, "model": {"depth": 18}}, tags=["py", "baseline"]) as run:
    for step in range(200):
        run.log({"train/loss": 1 / (step + 1), "val": {"acc": step / 200}}, step=step)
    run.log({"train/loss": float("nan"), "label": "text"}, step=200)
    run.param("batch", 64)
    with open("model.pt", "wb") as f:
        f.write(b"\\x00weights")
    run.artifact("model.pt")
    run.note("Trained with *Python*.")
print("done")
`;

beforeAll(() => {
  repo = makeTestRepo();
});

afterAll(() => repo?.cleanup());

describe('python client', () => {
  test('a script logs params, series, an artifact and notes; the run lands on the branch', async () => {
    const result = await runPython(TRAIN);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('done\n');
    // A text value is a warning, not an exception.
    expect(result.stderr).toContain("RunpagesWarning: runpages: metric 'label' got 'text', which is not a number");
    const { folder, record } = originRun('cifar');
    expect(record).toMatchObject({
      project: 'cifar',
      status: 'finished',
      params: { lr: 0.1, model: { depth: 18 }, batch: 64 },
      tags: ['py', 'baseline'],
      notes: 'Trained with *Python*.\n',
      env: { runtimes: { python: expect.stringMatching(/^3\.\d+/) } },
      command: 'python3 train.py',
    });
    expect(record.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(record.series['train/loss']).toMatchObject({ points: 201, stored: 200, min: 1 / 200, max: 1 });
    expect(Number.isNaN(record.metrics['train/loss'])).toBe(true);
    expect(record.metrics['val/acc']).toBe(199 / 200);
    const series = JSON.parse(git(repo.origin, 'show', `runs:${folder}/series.json`)).series;
    expect(series['train/loss'].step.slice(0, 3)).toEqual([0, 1, 2]);
    expect(series['train/loss'].value[1]).toBe(0.5);
    expect(series['val/acc'].value).toHaveLength(200);
    expect(Math.abs(series['val/acc'].time[0] - Date.parse(record.created) / 1000)).toBeLessThan(600);
    const [artifact] = record.artifacts;
    expect(artifact).toMatchObject({ path: 'model.pt', size: 8 });
    const object = join(repo.dir, '.runpages/objects/sha256', artifact.sha256.slice(0, 2), artifact.sha256.slice(2));
    expect(readFileSync(object)).toEqual(Buffer.from('\0weights'));
  });

  test('a script that raises is recorded as failed, and the exception still reaches the caller', async () => {
    const result = await runPython(`# fail.py
import runpages
with runpages.start(project="failing") as run:
    run.log({"loss": 2.5}, step=0)
    raise ValueError("diverged")
`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ValueError: diverged');
    const { record } = originRun('failing');
    expect(record.status).toBe('failed');
    expect(record.metrics).toEqual({ loss: 2.5 });
    expect(record.ended).toBeDefined();
  });

  test('Ctrl-C (KeyboardInterrupt) and SIGTERM are recorded as killed; finish() without a with block', async () => {
    const killed = await runPython(`# interrupted.py
import runpages
with runpages.start(project="interrupted") as run:
    run.log({"loss": 1.0})
    raise KeyboardInterrupt
`);
    expect(killed.code === 0).toBe(false);
    expect(originRun('interrupted').record.status).toBe('killed');

    const terminated = await runPython(`# terminated.py
import os, signal, time, runpages
with runpages.start(project="terminated") as run:
    run.log({"loss": 1.0})
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
`);
    expect(terminated.code).toBe(143);
    expect(originRun('terminated').record).toMatchObject({ status: 'killed', series: { loss: { points: 1 } } });

    const manual = await runPython(`# manual.py
import runpages
run = runpages.start(project="manual", name="by-hand")
run.log({"loss": 1.0})
run.log({"loss": 0.5})
`);
    expect(manual.code, manual.stderr).toBe(0);
    // Finished at interpreter exit; steps continue from the previous one.
    const { record } = originRun('manual');
    expect(record).toMatchObject({ name: 'by-hand', status: 'finished', series: { loss: { points: 2, last: 0.5 } } });
  });

  test('points past the buffer size are handed to the writer thread as the loop runs; none lost', async () => {
    const result = await runPython(`# many.py
import os, runpages
with runpages.start(project="many") as run:
    for step in range(25_000):
        run.log({"loss": 1.0 / (step + 1)})
        if step == 20_000:
            run.flush()
            print(sum(1 for _ in open(os.path.join(run.dir, "metrics.jsonl"))))
`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('20001');
    const { record } = originRun('many');
    expect(record.series.loss).toMatchObject({ points: 25_000, max: 1, last: 1 / 25_000 });
    expect(record.series.loss.stored).toBeLessThanOrEqual(1000);
  });

  test('under runpages record the client writes into $RUNPAGES_DIR and record publishes', async () => {
    writeFileSync(join(repo.dir, 'recorded.py'), TRAIN.replace('# train.py', '# recorded.py'));
    const result = await runCli(['record', '--project', 'recorded', '--tag', 'from-record', '--', 'python3', 'recorded.py'], {
      cwd: repo.dir,
      env: { PYTHONPATH: CLIENT, RUNPAGES_BIN: '/nonexistent/runpages' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('cannot run');
    expect(result.stderr).toContain("RunpagesWarning: runpages: under `runpages record` the run's project, name and tags come from record's");
    const { record } = originRun('recorded');
    expect(record).toMatchObject({
      project: 'recorded',
      status: 'finished',
      params: { lr: 0.1, model: { depth: 18 }, batch: 64 },
      notes: 'Trained with *Python*.\n',
      series: { 'train/loss': { points: 201 } },
    });
    expect(record.tags).toContain('from-record');
    expect(record.artifacts.map((a: { path: string }) => a.path)).toEqual(['model.pt']);
    expect(record.command).toContain('python3 recorded.py');
  });

  test('when the CLI cannot run, the script still succeeds with a warning and the run stays on disk', async () => {
    const result = await runPython(
      `# offline.py
import runpages
with runpages.start(project="offline") as run:
    run.log({"loss": 1.0})
print(run.dir)
`,
      [],
      { RUNPAGES_BIN: '/nonexistent/runpages' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('RunpagesWarning: runpages: cannot run /nonexistent/runpages commit');
    const dir = result.stdout.trim();
    // git.diff: the test repository is dirty (the scripts), and the client keeps the diff as record does.
    expect(readdirSync(dir).sort()).toEqual(['git.diff', 'metrics.jsonl', 'run.yaml']);
    expect(JSON.parse(readFileSync(join(dir, 'run.yaml'), 'utf8'))).toMatchObject({ project: 'offline', status: 'finished' });
    // Publishing it later by hand works.
    const commit = await runCli(['commit', dir], { cwd: repo.dir });
    expect(commit.code, commit.stderr).toBe(0);
    expect(originRun('offline').record.status).toBe('finished');
  });

  test('a run that cannot be pushed stays queued for runpages sync', async () => {
    git(repo.dir, 'remote', 'set-url', 'origin', join(repo.dir, 'missing.git'));
    try {
      const result = await runPython(`# queued.py
import runpages
with runpages.start(project="queued") as run:
    run.log({"loss": 1.0})
`);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/RunpagesWarning: runpages: run [0-9A-Z]{26} is queued, not published: .*runpages sync/);
    } finally {
      git(repo.dir, 'remote', 'set-url', 'origin', repo.origin);
    }
    expect(existsSync(join(repo.dir, '.runpages/queue'))).toBe(true);
    const sync = await runCli(['sync'], { cwd: repo.dir });
    expect(sync.code, sync.stderr).toBe(0);
    expect(originRun('queued').record.status).toBe('finished');
  });

  test('outside record the client captures the same git state (dirty diff too) and machine as record, and says name, id and URL at the end', async () => {
    writeFileSync(join(repo.dir, 'requirements.txt'), 'numpy==2.1.0\n');
    writeFileSync(join(repo.dir, 'runpages.config.yaml'), 'site:\n  url: https://example.test/model/\n');
    try {
      const recorded = await runCli(['record', '--project', 'same-machine', '--', 'sh', '-c', 'exit 0'], {
        cwd: repo.dir,
        env: { RUNPAGES_LIVE_INTERVAL: 'off' },
      });
      expect(recorded.code, recorded.stderr).toBe(0);
      const client = await runPython(`# same.py
import runpages
with runpages.start(project="same-machine") as run:
    run.log({"loss": 1.0})
`);
      expect(client.code, client.stderr).toBe(0);
      const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs')
        .split('\n')
        .filter((f) => f.startsWith('runs/same-machine/') && f.endsWith('/run.yaml'));
      const records = files.map((file) => parse(git(repo.origin, 'show', `runs:${file}`)) as Record<string, any>);
      expect(records).toHaveLength(2);
      const fromClient = records.find((r) => r.command.startsWith('python'))!;
      const fromRecord = records.find((r) => r !== fromClient)!;
      // The same spellings: x64 not x86_64, "linux <release>", the CPU model, memory, the lock file.
      for (const key of ['os', 'arch', 'cpu', 'cpus', 'memory_gb', 'lock']) expect(fromClient.env[key], key).toEqual(fromRecord.env[key]);
      expect(fromClient.env.lock).toMatchObject({ file: 'requirements.txt' });
      // Git state with the dirty diff, as an object in the store.
      expect(fromClient.git).toMatchObject({
        commit: fromRecord.git.commit,
        branch: fromRecord.git.branch,
        dirty: true,
        diff: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const compared = await runCli(['compare', fromRecord.id, fromClient.id, '--json'], { cwd: repo.dir });
      expect(compared.code, compared.stderr).toBe(0);
      const differing = (JSON.parse(compared.stdout).why.env as Array<{ key: string }>).map((row) => row.key);
      expect(differing.filter((key) => /^(os|arch|cpu|cpus|memory_gb|lock)\b/.test(key))).toEqual([]);
      // The last line says which run it was and where its page will be.
      expect(client.stderr).toContain(
        `runpages: run ${fromClient.name} (${fromClient.id}) published: https://example.test/model/r/${fromClient.id}/ once the site is rebuilt`,
      );
    } finally {
      rmSync(join(repo.dir, 'runpages.config.yaml'), { force: true });
    }
  }, 60_000);
});
