import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareRunDir } from '../src/record/run-dir.ts';
import { parseRunRecord, parseSeriesFile, InvalidRunError } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { runFolder } from '../src/run/prepared.ts';
import { runPath } from './helpers/layout.ts';
import { tempDir } from './helpers/git.ts';

/** A fresh copy of a fixture directory (prepareRunDir writes a new run's id into its run.yaml). */
function fixture(name: string): string {
  const dir = join(tempDir(), name);
  cpSync(join(import.meta.dirname, 'fixtures', 'run-dirs', name), dir, { recursive: true });
  return dir;
}
const context = { cwd: '/work/my repo!', now: () => new Date('2026-11-23T10:00:00Z') };
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

async function failure(dir: string, overrides = {}): Promise<InvalidRunError> {
  const error = await prepareRunDir(dir, overrides, context).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidRunError);
  return error as InvalidRunError;
}

describe('prepareRunDir on a good hand-made directory', () => {
  it('fills identity, reads params, metrics, summary, notes and artifacts', async () => {
    const prepared = await prepareRunDir(fixture('good'), { tags: ['cli'], params: { 'optimizer.name': 'sgd', epochs: '10' } }, context);
    const { record } = prepared;
    expect(record.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(record).toMatchObject({
      schema: 'runpages/run@1',
      name: 'first-try',
      project: 'vision',
      experiment: 'resnet-sweep',
      status: 'finished',
      created: '2026-11-23T10:00:00.000Z',
      tags: ['baseline', 'cli'],
      notes: '# Notes\n\nFirst baseline run.\n',
      owner_team: 'perception',
    });
    expect(record.params).toEqual({
      lr: 0.001,
      optimizer: { name: 'sgd', betas: [0.9, 0.999] },
      dataset: 'cifar10-v3',
      hub_token: '[redacted]',
      epochs: 10,
    });
    // summary.json wins; other series contribute their last value (NaN/Infinity survive here).
    expect(record.metrics.accuracy).toBe(0.93);
    expect(record.metrics['val/acc']).toBe(0.91);
    expect(record.metrics['train/loss']).toBe(1.2);
    expect(record.metrics.lr).toBe(Infinity);
    expect(record.series['train/loss']).toEqual({ points: 4, stored: 3, min: 1.2, max: 2.3, last: 1.2 });
    expect(record.artifacts).toEqual([
      { path: 'model.txt', sha256: sha256('weights\n'), size: 8, type: 'text/plain' },
      { path: 'plots/points.csv', sha256: sha256('x,y\n1,2\n'), size: 8, type: 'text/csv' },
    ]);
    expect(prepared.objects.map((o) => o.sha256).sort()).toEqual([sha256('weights\n'), sha256('x,y\n1,2\n')].sort());
    expect(runFolder(record)).toBe(runPath('vision', '2026-11', record.id));

    // The files for the branch re-validate, and keep the unknown field.
    const yamlText = prepared.files['run.yaml']!;
    expect(yamlText).not.toContain('hf_should_not_leak');
    expect(yamlText).not.toContain('tok-should-not-leak');
    expect(record.deploy).toEqual({ target: 'staging', api_token: '[redacted]' });
    expect(yamlText.startsWith('schema: runpages/run@1\n')).toBe(true);
    const reread = parseRunRecord(parseYaml(yamlText, 'run.yaml'), 'run.yaml');
    expect(reread.id).toBe(record.id);
    expect(reread.owner_team).toBe('perception');
    expect(reread.metrics.lr).toBe(Infinity);
    const series = parseSeriesFile(JSON.parse(prepared.files['series.json']!), 'series.json');
    // The NaN point is counted but not stored; the step-less line continues from step 2.
    expect(series.series['train/loss']).toEqual({ step: [0, 1, 3], value: [2.3, 1.9, 1.2], time: [1763900000, 1763900001, 1763900003] });
  });

  it('defaults the project to the repository folder name and the name to a friendly one', async () => {
    const prepared = await prepareRunDir(fixture('metrics-only'), {}, context);
    expect(prepared.record.project).toBe('my-repo-');
    expect(prepared.record.name).toMatch(/^[a-z]+-[a-z]+-\d{1,2}$/);
    // The truncated last line (no newline: a kill mid-write) is dropped.
    expect(prepared.record.series.loss).toMatchObject({ points: 2, stored: 2, last: 0.5 });
    expect(prepared.files['run.yaml']).toContain('status: finished');
  });

  it('writes a new id into run.yaml once, so committing again is the same run', async () => {
    const dir = fixture('good');
    const first = await prepareRunDir(dir, {}, context);
    const text = readFileSync(join(dir, 'run.yaml'), 'utf8');
    expect(text).toContain('# Hand-made: only some fields; the rest are filled in.');
    expect(text).toContain(`id: ${first.record.id}`);
    const second = await prepareRunDir(dir, {}, { ...context, now: () => new Date('2026-12-25T00:00:00Z') });
    expect(second.record.id).toBe(first.record.id);
    expect(second.record.created).toBe(first.record.created);
    expect(second.files['run.yaml']).toBe(first.files['run.yaml']);
    // A malformed directory is left as it was.
    const bad = fixture('bad-run-yaml');
    await failure(bad);
    expect(readFileSync(join(bad, 'run.yaml'), 'utf8')).toBe('project: vision\nstatus: done\n');
  });

  it('downsamples long series and sends the full one to the store', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ step: i, loss: i === 4321 ? 99 : 1 / (i + 1) }));
    writeFileSync(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
    const prepared = await prepareRunDir(dir, { project: 'p' }, context);
    const info = prepared.record.series.loss!;
    expect(info.points).toBe(5000);
    expect(info.stored).toBeLessThanOrEqual(1000);
    expect(info.max).toBe(99);
    const full = prepared.objects.find((o) => o.sha256 === info.sha256);
    expect(full).toBeDefined();
    const bytes = (full!.source as { data: Uint8Array }).data;
    expect(sha256(Buffer.from(bytes))).toBe(info.sha256);
    const fullSeries = parseSeriesFile(JSON.parse(Buffer.from(bytes).toString('utf8')), 'full').series.loss!;
    expect(fullSeries.value).toHaveLength(5000);
    const stored = JSON.parse(prepared.files['series.json']!).series.loss;
    expect(stored.value).toContain(99);
  });

  it('stores the recorder’s git.diff as an object', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'run.yaml'), 'project: p\ngit: {commit: abc, dirty: true}\n');
    writeFileSync(join(dir, 'git.diff'), 'diff --git a/x b/x\n');
    const prepared = await prepareRunDir(dir, {}, context);
    expect(prepared.record.git).toEqual({ commit: 'abc', dirty: true, diff: sha256('diff --git a/x b/x\n') });
    expect(prepared.objects.map((o) => o.sha256)).toContain(sha256('diff --git a/x b/x\n'));
  });
});

describe('prepareRunDir on malformed directories', () => {
  it('names the file and line of a bad JSON line', async () => {
    const error = await failure(fixture('bad-json-line'));
    expect(error.message).toBe('metrics.jsonl:7: is not valid JSON at column 26: Expected double-quoted property name in JSON');
    expect(error.issues).toEqual([expect.objectContaining({ file: 'metrics.jsonl', line: 7 })]);
    expect(error.hint).toContain('metrics.jsonl');
  });

  it('treats a bad last line as an error when a newline ends it, and stops at 20 problems', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 0, "loss": 1}\n{"step": 1, "loss"\n');
    expect((await failure(dir)).issues).toEqual([expect.objectContaining({ file: 'metrics.jsonl', line: 2 })]);
    writeFileSync(join(dir, 'metrics.jsonl'), 'oops\n'.repeat(100));
    const many = await failure(dir);
    expect(many.issues).toHaveLength(20);
    expect(many.issues.at(-1)?.line).toBe(20);
  });

  it('names file, line, field and value for wrong types', async () => {
    const error = await failure(fixture('wrong-types'));
    expect(error.message).toContain('metrics.jsonl:2: field "step" must be a number (got "one")');
    expect(error.message).toContain('metrics.jsonl:3: field "loss" must be a number');
    expect(error.message).toContain('(got "low")');
    expect(error.message).toContain('metrics.jsonl:4: must be a JSON object');
  });

  it('rejects a summary.json value that is not a number', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'summary.json'), readFileSync(join(fixture('wrong-types'), 'summary.json')));
    const error = await failure(dir);
    expect(error.message).toBe('summary.json: field "accuracy" must be a number (or "NaN", "Infinity") (got "high")');
  });

  it('rejects params that are not a mapping, naming the file and line', async () => {
    expect((await failure(fixture('params-not-mapping'))).message).toMatch(/^params\.yaml:2: must be a mapping/);
    expect((await failure(fixture('params-json-not-mapping'))).message).toMatch(/^params\.json:1: must be a mapping .*\(got a list of 2\)/);
  });

  it('rejects a bad status in run.yaml, naming the field', async () => {
    const error = await failure(fixture('bad-run-yaml'));
    expect(error.message).toContain('run.yaml: field "status"');
    expect(error.message).toContain('(got "done")');
  });

  it('rejects a bad --project override', async () => {
    const error = await failure(fixture('metrics-only'), { project: 'has space' });
    expect(error.message).toContain('--project: field "project"');
  });

  it('reports a missing directory', async () => {
    await expect(prepareRunDir('/nonexistent/run', {}, context)).rejects.toMatchObject({ code: 'run-dir-missing' });
  });

  it('refuses artifacts that link outside the run directory', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'artifacts'));
    writeFileSync(join(dir, 'secret.txt'), 'x');
    symlinkSync('/etc/passwd', join(dir, 'artifacts', 'passwd'));
    const error = await failure(dir);
    expect(error.message).toContain('artifacts/passwd: is a symbolic link to a file outside the run directory');
    // A link that stays inside the run is fine.
    const inside = tempDir();
    mkdirSync(join(inside, 'artifacts'));
    writeFileSync(join(inside, 'notes.md'), 'hi');
    symlinkSync(join(inside, 'notes.md'), join(inside, 'artifacts', 'notes-link.md'));
    const prepared = await prepareRunDir(inside, {}, context);
    expect(prepared.record.artifacts).toEqual([{ path: 'notes-link.md', sha256: sha256('hi'), size: 2, type: 'text/markdown' }]);
  });

  it('merges params.yaml (the job config) with params.json (a client) when they agree', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'params.yaml'), 'lr: 0.1\nmodel:\n  arch: resnet18\n');
    writeFileSync(join(dir, 'params.json'), '{"lr": 0.1, "model": {"width": 64}, "epochs": 20}');
    const prepared = await prepareRunDir(dir, {}, context);
    expect(prepared.record.params).toEqual({ lr: 0.1, model: { arch: 'resnet18', width: 64 }, epochs: 20 });
  });

  it('rejects params files that disagree, naming the key and both values', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'params.yaml'), 'model:\n  width: 32\n');
    writeFileSync(join(dir, 'params.json'), '{"model": {"width": 64}}');
    const error = await failure(dir);
    expect(error.message).toBe('params.json: field "model.width" disagrees with params.yaml (32) (got 64)');
    expect(error.hint).toBe('Set model.width in one params file only, or to the same value in params.yaml and params.json.');
  });
});
