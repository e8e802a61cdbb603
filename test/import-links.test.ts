/**
 * Importers read only inside the folder being imported. A hostile (or just careless) MLflow store
 * points runs at private folders in every way a file store can: an `artifact_uri` of
 * `file:///<home>/.ssh`, an `artifacts` folder that is a symbolic link to `~/.aws`, links to key
 * files inside a real artifacts folder, a linked `params` folder, a linked run folder; a TensorBoard
 * logdir holds linked event files and folders. Each is refused by name and counted, and no byte of
 * the private files reaches the branch or the object store.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, type CliResult } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { listFiles } from './helpers/site.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const FINISHED = 'b2'.repeat(16);
const PRIVATE = 'PLANTED-PRIVATE-KEY-MATERIAL-4b1e';
const CREDENTIALS = 'PLANTED-AWS-CREDENTIALS-9c0d';

let repo: TestRepo;
let home: string;
let mlflow: CliResult;
let mlflowText: CliResult;
let tensorboard: CliResult;

/** A run folder copied from the fixture under a new id, with its meta.yaml adjusted. */
function copyRun(store: string, id: string, meta: (text: string) => string = (text) => text): string {
  const folder = join(store, '1', id);
  cpSync(join(store, '1', FINISHED), folder, { recursive: true });
  const file = join(folder, 'meta.yaml');
  writeFileSync(file, meta(readFileSync(file, 'utf8').replaceAll(FINISHED, id)));
  return folder;
}

beforeAll(async () => {
  repo = makeTestRepo();
  home = tempDir();
  mkdirSync(join(home, '.ssh'));
  mkdirSync(join(home, '.aws'));
  writeFileSync(join(home, '.ssh', 'id_rsa'), `-----BEGIN OPENSSH PRIVATE KEY-----\n${PRIVATE}\n`);
  writeFileSync(join(home, '.aws', 'credentials'), `[default]\nkey = ${CREDENTIALS}\n`);

  const store = join(tempDir(), 'mlruns');
  cpSync(join(FIXTURES, 'mlflow', 'mlruns'), store, { recursive: true });
  // artifact_uri naming a folder outside the store.
  copyRun(store, '1a'.repeat(16), (text) => text.replace(/^artifact_uri: .*$/m, `artifact_uri: ${pathToFileURL(join(home, '.ssh')).href}`));
  // artifacts/ is a link to ~/.aws.
  symlinkSync(join(home, '.aws'), join(copyRun(store, '2a'.repeat(16)), 'artifacts'));
  // A real artifacts folder with a kept file and links to a key file and a folder.
  const third = join(copyRun(store, '3a'.repeat(16)), 'artifacts');
  mkdirSync(third);
  writeFileSync(join(third, 'model.txt'), 'weights\n');
  symlinkSync(join(home, '.ssh', 'id_rsa'), join(third, 'id_rsa'));
  symlinkSync(join(home, '.aws'), join(third, 'aws'));
  // params/ linked out, and a single param file linked out.
  const fourth = copyRun(store, '4a'.repeat(16));
  rmSync(join(fourth, 'params'), { recursive: true });
  symlinkSync(join(home, '.aws'), join(fourth, 'params'));
  symlinkSync(join(home, '.aws', 'credentials'), join(fourth, 'tags', 'creds'));
  // A run folder that is itself a link out of the store.
  const outside = join(home, 'elsewhere');
  cpSync(join(store, '1', FINISHED), outside, { recursive: true });
  symlinkSync(outside, join(store, '1', '5a'.repeat(16)));

  mlflow = await runCli(['import', 'mlflow', store, '--json'], { cwd: repo.dir });
  mlflowText = await runCli(['import', 'mlflow', store, '--dry-run'], { cwd: repo.dir });

  const logdir = join(tempDir(), 'logs');
  cpSync(join(FIXTURES, 'tensorboard', 'pytorch-DaniAlvarado19-Tarea3-IA'), join(logdir, 'real'), { recursive: true });
  const elsewhere = join(home, 'tb');
  cpSync(join(FIXTURES, 'tensorboard', 'pytorch-DaniAlvarado19-Tarea3-IA'), elsewhere, { recursive: true });
  symlinkSync(elsewhere, join(logdir, 'linked-folder'));
  mkdirSync(join(logdir, 'linked-file'));
  symlinkSync(join(elsewhere, 'events.out.tfevents.1729814299.PC_Dani.36468.7'), join(logdir, 'linked-file', 'events.out.tfevents.1.x.1.1'));
  tensorboard = await runCli(['import', 'tensorboard', logdir, '--json', '--dry-run'], { cwd: repo.dir });
}, 200_000);

afterAll(() => {
  repo?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('import mlflow never reads outside the store', () => {
  test('refuses every link and outside path by name', () => {
    expect(mlflow.code, mlflow.stderr).toBe(0);
    const outcome = JSON.parse(mlflow.stdout) as { refused: { source: string; reason: string }[]; imported: { id: string; artifacts: number }[] };
    const refused = outcome.refused.map(({ source, reason }) => `${source.replace(/^.*\/mlruns\//, '').replace(home, '~')}: ${reason.split(';')[0]}`);
    expect(refused.sort()).toEqual(
      [
        `1/${'5a'.repeat(16)}: is a symbolic link`,
        `1/${'2a'.repeat(16)}/artifacts: is a symbolic link`,
        `1/${'3a'.repeat(16)}/artifacts/aws: is a symbolic link`,
        `1/${'3a'.repeat(16)}/artifacts/id_rsa: is a symbolic link`,
        `1/${'4a'.repeat(16)}/params: is a symbolic link`,
        `1/${'4a'.repeat(16)}/tags/creds: is a symbolic link`,
        `~/.ssh: is outside ${outcome.refused.find((r) => r.source.endsWith('.ssh'))!.reason.match(/outside (\S+)/)![1]} (it resolves to ${join(home, '.ssh')})`,
      ].sort(),
    );
    // The runs themselves are imported, minus what was refused.
    const artifacts = Object.fromEntries(outcome.imported.map((run) => [run.id, run.artifacts]));
    expect(artifacts).toMatchObject({ ['1a'.repeat(16)]: 0, ['2a'.repeat(16)]: 0, ['3a'.repeat(16)]: 1, ['4a'.repeat(16)]: 0 });
  });

  test('the summary counts what was refused', () => {
    expect(mlflowText.code, mlflowText.stderr).toBe(0);
    expect(mlflowText.stderr).toMatch(/refused 7 paths outside the source or behind links/);
    expect(mlflowText.stderr).toContain(`refused ${join(home, '.ssh')}`);
  });

  test('no byte of the private files is on the branch or in the store', () => {
    const blobs = git(repo.origin, 'rev-list', '--objects', 'runs')
      .split('\n')
      .map((line) => line.split(' ')[0]!);
    const all = execFileSync('git', ['cat-file', '--batch'], { cwd: repo.origin, input: `${blobs.join('\n')}\n`, maxBuffer: 1 << 28 }).toString('latin1');
    expect(all).toContain('model.txt');
    for (const planted of [PRIVATE, CREDENTIALS, 'id_rsa', 'credentials']) expect(all).not.toContain(planted);
    const store = join(repo.dir, '.runpages/objects');
    for (const file of listFiles(store)) expect(readFileSync(join(store, file), 'latin1')).not.toMatch(new RegExp(`${PRIVATE}|${CREDENTIALS}`));
  });
});

describe('import tensorboard never follows links out of the logdir', () => {
  test('imports the real run and refuses the linked folder and event file by name', () => {
    expect(tensorboard.code, tensorboard.stderr).toBe(0);
    const outcome = JSON.parse(tensorboard.stdout) as { refused: { source: string; reason: string }[]; imported: unknown[] };
    expect(outcome.imported).toHaveLength(1);
    expect(outcome.refused.map((r) => r.source.replace(/^.*\/logs\//, '')).sort()).toEqual(['linked-file/events.out.tfevents.1.x.1.1', 'linked-folder']);
    expect(outcome.refused.every((r) => r.reason.startsWith('is a symbolic link'))).toBe(true);
  });
});
