/**
 * A job may leave anything under the names runpages reads: a FIFO (opening it blocks until a writer
 * comes, which never happens once the job exited), a socket, a device, a link out of the run or
 * into a loop, a huge file. Reading a run directory never blocks on any of them: special files are
 * left out with a warning naming them and are never opened; links out and oversized files are
 * errors naming the file; `record` finishes with the job.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_FILE_BYTES } from '../src/record/read-run-file.ts';
import { prepareRunDir } from '../src/record/run-dir.ts';
import { InvalidRunError } from '../src/run/validate.ts';
import { runCli } from './helpers/cli.ts';
import { makeTestRepo, tempDir } from './helpers/git.ts';

const context = (warnings: string[]) => ({ cwd: '/work/repo', now: () => new Date('2026-11-23T10:00:00Z'), warn: (m: string) => warnings.push(m) });

function runDir(): string {
  const dir = join(tempDir(), 'run');
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'run.yaml'), 'name: special\nproject: files\n');
  writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 1, "loss": 0.5}\n');
  writeFileSync(join(dir, 'artifacts', 'model.bin'), 'weights\n');
  return dir;
}

/** Fails the test instead of hanging the suite when a read blocks. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`blocked for ${ms} ms`)), ms).unref())]);
}

const FILES = ['notes.md', 'metrics.jsonl', 'params.yaml', 'params.json', 'summary.json', 'run.yaml', 'git.diff', 'artifacts/checkpoint.pt'];

describe('a FIFO under any name runpages reads', () => {
  for (const name of FILES) {
    it(`as ${name} is left out with a warning naming it, without blocking`, async () => {
      const dir = runDir();
      execFileSync('rm', ['-f', join(dir, name)]);
      execFileSync('mkfifo', [join(dir, name)]);
      const warnings: string[] = [];
      const prepared = await within(5_000, prepareRunDir(dir, {}, context(warnings)));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(name);
      expect(warnings[0]).toContain('named pipe (FIFO)');
      // The rest of the run is still read.
      expect(prepared.record.artifacts?.map((a) => a.path)).toContain('model.bin');
      if (name !== 'metrics.jsonl') expect(prepared.record.metrics.loss).toBe(0.5);
      if (name === 'git.diff') expect(prepared.record.git?.diff).toBeUndefined();
    });
  }
});

describe('other special files', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('a socket as notes.md is left out, not opened', async () => {
    const dir = runDir();
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(join(dir, 'notes.md'), resolve));
    const warnings: string[] = [];
    const prepared = await within(5_000, prepareRunDir(dir, {}, context(warnings)));
    expect(warnings).toEqual([expect.stringContaining('notes.md is a socket')]);
    expect(prepared.record.notes).toBeUndefined();
  });

  it('a link to a device (outside the run) is refused, naming the file', async () => {
    const dir = runDir();
    symlinkSync('/dev/zero', join(dir, 'metrics.jsonl.tmp'));
    execFileSync('mv', ['-f', join(dir, 'metrics.jsonl.tmp'), join(dir, 'metrics.jsonl')]);
    const error = await within(
      5_000,
      prepareRunDir(dir, {}, context([])).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(InvalidRunError);
    expect((error as InvalidRunError).message).toMatch(/metrics\.jsonl.*symbolic link to a file outside the run directory/);
  });

  it('a link inside the run to a FIFO is left out like the FIFO itself', async () => {
    const dir = runDir();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    symlinkSync('pipe', join(dir, 'notes.md'));
    const warnings: string[] = [];
    await within(5_000, prepareRunDir(dir, {}, context(warnings)));
    expect(warnings).toEqual([expect.stringContaining('notes.md is a named pipe (FIFO)')]);
  });

  it('a loop of links is reported as a loop, not as a link outside the run', async () => {
    const dir = runDir();
    symlinkSync('b.txt', join(dir, 'artifacts', 'a.txt'));
    symlinkSync('a.txt', join(dir, 'artifacts', 'b.txt'));
    const error = (await prepareRunDir(dir, {}, context([])).catch((e: unknown) => e)) as InvalidRunError;
    expect(error).toBeInstanceOf(InvalidRunError);
    expect(error.message).toMatch(/artifacts\/a\.txt.*loop of symbolic links \(ELOOP\)/);
    expect(error.message).not.toContain('outside');
  });

  it('a folder link back up the tree is walked once', async () => {
    const dir = runDir();
    symlinkSync('..', join(dir, 'artifacts', 'up'));
    const prepared = await within(5_000, prepareRunDir(dir, {}, context([])));
    expect(prepared.record.artifacts?.map((a) => a.path)).toContain('model.bin');
  });

  it('a text file over the cap is an error naming it and the limit', async () => {
    const dir = runDir();
    writeFileSync(join(dir, 'notes.md'), '');
    truncateSync(join(dir, 'notes.md'), MAX_TEXT_FILE_BYTES + 1);
    const error = (await prepareRunDir(dir, {}, context([])).catch((e: unknown) => e)) as InvalidRunError;
    expect(error).toBeInstanceOf(InvalidRunError);
    expect(error.message).toContain('notes.md');
    expect(error.message).toContain(`over the limit of ${MAX_TEXT_FILE_BYTES} bytes`);
  });
});

describe('runpages record after a job that leaves FIFOs behind', () => {
  const repo = makeTestRepo({ 'README.md': '# fifo\n' });
  afterAll(() => repo.cleanup());

  it('finishes with the job, warns about each FIFO and publishes the run', async () => {
    const job =
      'cd "$RUNPAGES_DIR" && echo \'{"step": 1, "acc": 0.9}\' >> metrics.jsonl && mkfifo notes.md summary.json params.yaml && mkdir -p artifacts && mkfifo artifacts/out.bin';
    const result = await runCli(['record', '--project', 'fifo', '--name', 'pipes', '--', 'sh', '-c', job], { cwd: repo.dir, timeoutMs: 30_000 });
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    for (const name of ['notes.md', 'summary.json', 'params.yaml', 'artifacts/out.bin'])
      expect(result.stderr).toMatch(new RegExp(`${name.replace('.', '\\.')} is a named pipe`));
  }, 40_000);
});
