/**
 * Store faults seen by a user's `runpages commit` (the store-level retry tests live in
 * store-s3.test.ts): persistent 500s, throttling and rejected credentials each end in a clear
 * message, the run stays queued (nothing on the branch, nothing lost), and `runpages sync`
 * publishes it once the service is healthy. A throttle that clears is ridden out by retries.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { S3_TEST_BUCKET, s3Env, startFaultProxy, startS3Server, type Fault, type FaultProxy, type TestS3Server } from './helpers/s3.ts';

let dir: string;
let s3: TestS3Server;
let proxy: FaultProxy;
let repo: TestRepo;

beforeAll(async () => {
  dir = tempDir('runpages-store-faults-');
  s3 = await startS3Server(join(dir, 's3rver'));
  proxy = await startFaultProxy(s3.endpoint);
  repo = makeTestRepo({ 'README.md': '# faults\n', '.gitignore': '.runpages/\n', 'runpages.config.yaml': `store: s3://${S3_TEST_BUCKET}/faults\n` });
});
afterAll(async () => {
  await proxy.close();
  await s3.close();
  repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  proxy.fault = undefined;
  proxy.requests.length = 0;
});

function runDir(name: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, 'artifacts'), { recursive: true });
  writeFileSync(join(path, 'artifacts', 'model.bin'), `weights of ${name}\n`.repeat(1000));
  writeFileSync(join(path, 'metrics.jsonl'), '{"step": 1, "loss": 0.5}\n');
  return path;
}

function namesOnOrigin(): string[] {
  if (!git(repo.origin, 'for-each-ref', 'refs/heads/runs')) return [];
  const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs')
    .split('\n')
    .filter((file) => file.endsWith('/run.yaml'));
  return files.map((file) => /^name: (\S+)$/m.exec(git(repo.origin, 'show', `runs:${file}`))?.[1] ?? '');
}

const FAULTS: [string, Fault, RegExp, string][] = [
  ['persistent 500s', { status: 500, code: 'InternalError', message: 'We encountered an internal error.' }, /after 2 attempts .*HTTP 500/, 'try again later'],
  ['throttling', { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, /after 2 attempts .*HTTP 503/, 'try again later'],
  [
    'wrong credentials',
    { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' },
    /HTTP 403/,
    'AWS_ACCESS_KEY_ID',
  ],
];

describe('commit against a failing S3 store', () => {
  it.each(FAULTS)('on %s: a clear message, the run stays queued, and sync publishes it later', async (label, fault, message, hint) => {
    const name = `under-${label.replace(/\W+/g, '-')}`;
    proxy.fault = () => fault;
    const commit = await runCli(['commit', runDir(name), '--project', 'faults', '--name', name], { cwd: repo.dir, env: s3Env(proxy.endpoint) });
    expect(commit.code).not.toBe(0);
    expect(commit.stderr).toMatch(message);
    expect(commit.stderr.toLowerCase()).toContain(hint.toLowerCase());
    expect(commit.stderr).toContain('runpages sync');
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(namesOnOrigin()).not.toContain(name);

    const list = await runCli(['sync', '--list'], { cwd: repo.dir });
    expect(list.stdout + list.stderr).toContain(name);

    proxy.fault = undefined;
    const sync = await runCli(['sync'], { cwd: repo.dir, env: s3Env(proxy.endpoint) });
    expect(sync.code, sync.stderr).toBe(0);
    expect(namesOnOrigin()).toContain(name);
    const verify = await runCli(['verify', '--deep'], { cwd: repo.dir, env: s3Env(proxy.endpoint) });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('rides out a throttle that clears, publishing on the first commit', async () => {
    proxy.fault = (_req, index) => (index < 2 ? { status: 503, code: 'SlowDown' } : undefined);
    const commit = await runCli(['commit', runDir('throttled-briefly'), '--project', 'faults', '--name', 'throttled-briefly'], {
      cwd: repo.dir,
      env: { ...s3Env(proxy.endpoint), AWS_MAX_ATTEMPTS: '4' },
    });
    expect(commit.code, commit.stderr).toBe(0);
    expect(proxy.requests.slice(0, 2).map((r) => r.status)).toEqual([503, 503]);
    expect(namesOnOrigin()).toContain('throttled-briefly');
  });
});
