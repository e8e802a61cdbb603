/**
 * Secrets planted in every way a training job leaks them (params files, `--param`, secret-named
 * environment variables, `--token=` style arguments, the job's own output) go through
 * `runpages record` to a bare origin and a queued second run, then into a built site. Every blob on
 * origin's `runs` branch, every file of the queue and every file of the site is scanned for the
 * planted values: none may appear.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { maskValues, redactText, secretValues } from '../src/record/redact.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';
import { listFiles } from './helpers/site.ts';

const SECRETS = {
  paramApiKey: 'planted-param-apikey-7f3a91',
  paramNestedPassword: 'planted-nested-pw-55c2e0',
  paramJsonToken: 'planted-json-token-91ab0e',
  cliParam: 'planted-cli-param-secret-3d9f',
  envApiKey: 'planted-env-my-api-key-b71c',
  envAws: 'planted-aws-secret-0c44d1',
  argToken: 'planted-arg-token-e5a2f0',
  argPassword: 'planted-arg-password-19bd7a',
  outputAssignment: 'planted-output-hf-token-a83e',
  githubToken: `ghp_${'Zq9'.repeat(12)}`,
  noteToken: 'planted-note-password-4c1d9e',
  noteGitlab: `glpat-${'Zq8'.repeat(7)}`,
  dotenv: 'planted-dotenv-value-77aa10',
  diffLine: 'planted-diff-api-key-e0c3b2',
};
const planted = Object.values(SECRETS);

let repo: TestRepo;
let record: Awaited<ReturnType<typeof runCli>>;

/** The job: writes params files and prints secrets the way careless scripts do. */
const JOB = `
cat > "$RUNPAGES_DIR/params.yaml" <<YAML
lr: 0.01
api_key: ${SECRETS.paramApiKey}
db:
  password: ${SECRETS.paramNestedPassword}
YAML
echo '{"step": 1, "loss": 0.5}' >> "$RUNPAGES_DIR/metrics.jsonl"
printf 'Tried db password: ${SECRETS.noteToken}\n\nPushed with ${SECRETS.noteGitlab}\n' >> "$RUNPAGES_DIR/notes.md"
echo "export HF_TOKEN=${SECRETS.outputAssignment}"
echo "using ${SECRETS.githubToken}"
echo "connecting with $MY_API_KEY and $AWS_SECRET_ACCESS_KEY"
echo "done"
`;

beforeAll(async () => {
  repo = makeTestRepo({ 'README.md': '# test\n', '.env': 'LR=0.1\n', 'train.py': 'lr = 0.1\n' });
  // A dirty tree: a secret file and a secret line in code, both in the diff record stores.
  writeFileSync(join(repo.dir, '.env'), `LR=0.1\nSOMETHING=${SECRETS.dotenv}\n`);
  writeFileSync(join(repo.dir, 'train.py'), `lr = 0.1\nAPI_KEY = "${SECRETS.diffLine}"\n`);
  const env = { MY_API_KEY: SECRETS.envApiKey, AWS_SECRET_ACCESS_KEY: SECRETS.envAws };
  record = await runCli(
    [
      'record',
      '--project',
      'sec',
      '--param',
      `auth.token=${SECRETS.cliParam}`,
      '--',
      'sh',
      '-c',
      JOB,
      'job',
      `--token=${SECRETS.argToken}`,
      '--password',
      SECRETS.argPassword,
      SECRETS.envApiKey,
    ],
    { cwd: repo.dir, env },
  );
  // A second run that cannot be published stays in the queue: scan that too.
  git(repo.dir, 'remote', 'set-url', 'origin', join(repo.dir, 'no-such-origin.git'));
  const queued = await runCli(['record', '--project', 'sec', '--', 'sh', '-c', JOB, 'job', `--api-key=${SECRETS.argToken}`], { cwd: repo.dir, env });
  expect(queued.code, queued.stderr).toBe(0);
  git(repo.dir, 'remote', 'set-url', 'origin', repo.origin);
  git(repo.dir, 'fetch', '-q', 'origin', 'runs:refs/remotes/origin/runs');
  const build = await runCli(['build', '--from', 'origin/runs', '--out', 'site-out'], { cwd: repo.dir, timeoutMs: 300_000 });
  expect(build.code, build.stderr).toBe(0);
}, 400_000);

afterAll(() => repo.cleanup());

function leaks(text: string): string[] {
  return planted.filter((secret) => text.includes(secret));
}

it('records and publishes the run, with secrets masked where they are shown', () => {
  expect(record.code, record.stderr).toBe(0);
  const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
  const runYaml = files.find((file) => file.endsWith('/run.yaml'));
  expect(runYaml).toBeDefined();
  const text = git(repo.origin, 'show', `runs:${runYaml}`);
  // The keys survive with their values masked, so readers see that a secret was passed.
  expect(text).toMatch(/api_key: "?\[redacted\]"?/);
  expect(text).toContain('--token=[redacted]');
  expect(text).toContain('lr: 0.01');
  expect(text).toContain('done');
});

it('leaves no planted secret in any blob of the runs branch on origin', () => {
  const blobs = git(repo.origin, 'rev-list', '--objects', 'runs')
    .split('\n')
    .map((line) => line.split(' ')[0] as string);
  expect(blobs.length).toBeGreaterThan(3);
  const all = execFileSync('git', ['cat-file', '--batch'], { cwd: repo.origin, input: `${blobs.join('\n')}\n`, maxBuffer: 1 << 28 }).toString('latin1');
  expect(all).toContain('[redacted]');
  expect(leaks(all)).toEqual([]);
  // Commit messages and the announcement refs too.
  expect(leaks(git(repo.origin, 'log', '--all', '--format=%B'))).toEqual([]);
});

it('leaves no planted secret in the queue', () => {
  const queue = join(repo.dir, '.runpages/queue');
  expect(existsSync(queue)).toBe(true);
  const files = listFiles(queue);
  expect(files.some((file) => file.endsWith('run.yaml'))).toBe(true);
  for (const file of files) expect(leaks(readFileSync(join(queue, file), 'latin1')), file).toEqual([]);
});

it("stores the dirty diff redacted, without the secret file's changes, and leaves no planted secret in the store", () => {
  const store = join(repo.dir, '.runpages/objects');
  const files = listFiles(store);
  const texts = files.map((file) => readFileSync(join(store, file), 'latin1'));
  const diff = texts.find((text) => text.includes('diff --git a/train.py'));
  expect(diff, 'the dirty diff is stored').toBeDefined();
  expect(diff).toContain('# .env: changes not stored');
  expect(diff).toContain('API_KEY = [redacted]');
  for (const [i, text] of texts.entries()) expect(leaks(text), files[i]).toEqual([]);
});

it('leaves no planted secret in the built site', () => {
  const out = join(repo.dir, 'site-out');
  const files = listFiles(out);
  expect(files.some((file) => file.startsWith('r/'))).toBe(true);
  for (const file of files) expect(leaks(readFileSync(join(out, file), 'latin1')), file).toEqual([]);
  rmSync(out, { recursive: true, force: true });
});

it('masks the values of secret-named environment variables wherever they appear bare', () => {
  const values = secretValues({ MY_API_KEY: 'k3y-value-123', HF_TOKEN: 'short', PATH: '/usr/bin:/bin', DB_PASSWORD: undefined });
  expect(values).toEqual(['k3y-value-123']);
  expect(maskValues('curl -H k3y-value-123 https://x; again k3y-value-123', values)).toBe('curl -H [redacted] https://x; again [redacted]');
});

it('masks a secret in YAML-like text after a parent key on the line before', () => {
  expect(redactText('db:\n  password: hunter2\nlr: 0.1')).toBe('db:\n  password: [redacted]\nlr: 0.1');
  expect(redactText('auth:\ntoken=abc')).toBe('auth:\ntoken=[redacted]');
});
