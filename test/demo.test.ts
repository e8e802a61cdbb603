/**
 * The demo generator: deterministic, valid by the shared schema, curves that follow their params,
 * lineage that points backwards, the benchmark shape, and the committed sample matching the generator.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { runFolder } from '../src/run/prepared.ts';
import type { RunRecord } from '../src/run/schema.ts';
import { parseRunRecord, parseSeriesFile } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { lrExcess } from '../scripts/demo/cifar.ts';
import { generateDemoRuns } from '../scripts/demo/generate.ts';
import { tempDir } from './helpers/git.ts';

const ROOT = join(import.meta.dirname, '..');
const SCRIPT = join(ROOT, 'scripts', 'generate-demo.ts');

function generateFolder(args: string[]): string {
  const out = join(tempDir('runpages-demo-'), 'runs');
  execFileSync(process.execPath, [SCRIPT, '--out', out, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return out;
}

/** Every file under `dir`, by relative path. */
function readTree(dir: string): Map<string, string> {
  const files = fg.sync('**/*', { cwd: dir, onlyFiles: true }).sort();
  return new Map(files.map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
}

/** Reads a folder laid out like the branch's runs/, validating every file with the shared schema. */
function loadFolder(dir: string): RunRecord[] {
  const records: RunRecord[] = [];
  for (const file of fg.sync('**/run.yaml', { cwd: dir }).sort()) {
    const record = parseRunRecord(parseYaml(readFileSync(join(dir, file), 'utf8'), file), file);
    expect(`runs/${file.split(sep).join('/')}`).toBe(`${runFolder(record)}/run.yaml`);
    const seriesPath = file.replace(/run\.yaml$/, 'series.json');
    const series = parseSeriesFile(JSON.parse(readFileSync(join(dir, seriesPath), 'utf8')), seriesPath);
    expect(Object.keys(series.series).sort()).toEqual(Object.keys(record.series).sort());
    for (const [name, info] of Object.entries(record.series)) {
      expect(series.series[name]?.value.length, `${file} ${name}`).toBe(info.stored);
      expect(info.stored).toBeLessThanOrEqual(info.points);
      const steps = series.series[name]?.step ?? [];
      expect(
        steps.every((step, k) => k === 0 || step > (steps[k - 1] ?? 0)),
        `${file} ${name} steps increase`,
      ).toBe(true);
    }
    records.push(record);
  }
  return records;
}

const runs = [...generateDemoRuns({ runs: 1500, seed: 'spec', points: 60 })].map((run) => run.record);
const cifar = runs.filter((r) => r.project === 'cifar-resnet');
const finishedCifar = cifar.filter((r) => r.status === 'finished');
const valAcc = (r: RunRecord): number => r.metrics['val/acc'] ?? Number.NaN;
const arch = (r: RunRecord): string => (r.params.model as { arch: string }).arch;

describe('generate-demo', () => {
  it('writes the same bytes for the same seed, and different runs for another seed', () => {
    const a = generateFolder(['--runs', '40', '--seed', 'same', '--points', '50']);
    const b = generateFolder(['--runs', '40', '--seed', 'same', '--points', '50']);
    const c = generateFolder(['--runs', '40', '--seed', 'other', '--points', '50']);
    const treeA = readTree(a);
    expect(treeA.size).toBe(80);
    expect(readTree(b)).toEqual(treeA);
    expect([...readTree(c).keys()]).not.toEqual([...treeA.keys()]);
    for (const dir of [a, b, c]) rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('writes runs that all validate, with unique ids that sort by creation time', () => {
    const dir = generateFolder(['--runs', '120', '--seed', 'valid', '--points', '80']);
    const records = loadFolder(dir);
    expect(records).toHaveLength(120);
    const byId = [...records].sort((x, y) => (x.id < y.id ? -1 : 1));
    const byCreated = [...records].sort((x, y) => Date.parse(x.created) - Date.parse(y.created) || (x.id < y.id ? -1 : 1));
    expect(byId.map((r) => r.id)).toEqual(byCreated.map((r) => r.id));
    expect(new Set(records.map((r) => r.id)).size).toBe(120);
    for (const r of records) {
      expect(r.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(r.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    }
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('explains itself with --help and an example', () => {
    const help = execFileSync(process.execPath, [SCRIPT, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help).toMatch(/--points <n>/);
    expect(help).toMatch(/Example:/);
  });

  it('pads runs to the benchmark shape', () => {
    const [run] = generateDemoRuns({ runs: 5, seed: 'bench', points: 1000, params: 30, metrics: 20, series: 4 });
    if (!run) throw new Error('no run generated');
    const leaves = (value: unknown): number =>
      value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.values(value).reduce<number>((n, v) => n + leaves(v), 0) : 1;
    expect(leaves(run.record.params)).toBeGreaterThanOrEqual(30);
    expect(Object.keys(run.record.metrics).length).toBeGreaterThanOrEqual(20);
    expect(Object.values(run.record.series).map((s) => s.stored)).toEqual([1000, 1000, 1000, 1000]);
  });
});

describe('demo runs follow their params', () => {
  it('has every kind of run: three projects, each status, notes, tags, artifacts, dirty trees', () => {
    expect(new Set(runs.map((r) => r.project))).toEqual(new Set(['cifar-resnet', 'llm-finetune', 'churn-tabular']));
    for (const status of ['finished', 'failed', 'killed', 'running'])
      expect(
        runs.some((r) => r.status === status),
        status,
      ).toBe(true);
    expect(runs.filter((r) => r.notes).length).toBeGreaterThan(50);
    expect(runs.some((r) => r.git?.dirty === true && r.git.diff !== undefined)).toBe(true);
    for (const tag of ['baseline', 'sweep-1', 'sweep-2', 'sweep-3', 'ablation', 'distill', 'dpo'])
      expect(
        runs.some((r) => r.tags.includes(tag)),
        tag,
      ).toBe(true);
    expect(finishedCifar.every((r) => r.artifacts.some((a) => a.path === 'plots/confusion-matrix.png' && a.type === 'image/png'))).toBe(true);
  });

  it('ends failed runs with an error and running runs without an end', () => {
    for (const r of runs.filter((x) => x.status === 'failed')) {
      expect(r.exit_code).not.toBe(0);
      expect(r.output_tail).toMatch(/Error/);
    }
    for (const r of runs.filter((x) => x.status === 'running')) {
      expect(r.ended).toBeUndefined();
      expect(r.exit_code).toBeUndefined();
    }
    expect(runs.every((r) => r.created < '2026-11-20T18:00:00Z' && r.created > '2026-09-25T00:00:00Z')).toBe(true);
  });

  it('makes the best cifar run one with a sane learning rate, and diverging ones fail with a NaN loss', () => {
    const best = finishedCifar.reduce((a, b) => (valAcc(b) > valAcc(a) ? b : a));
    expect(lrExcess(best.params)).toBeLessThan(0.6);
    const diverging = cifar.filter((r) => lrExcess(r.params) > 1.1 && r.status !== 'running');
    expect(diverging.length).toBeGreaterThan(3);
    for (const r of diverging) {
      expect(r.status === 'failed' || r.status === 'killed', r.id).toBe(true);
      if (r.status === 'failed') expect(r.metrics['train/loss']).toBeNaN();
    }
    const plateaued = finishedCifar.filter((r) => lrExcess(r.params) > 0.6);
    expect(plateaued.length).toBeGreaterThan(0);
    expect(Math.max(...plateaued.map(valAcc))).toBeLessThan(0.85);
  });

  it('fits bigger models better but slower', () => {
    const comparable = (name: string) => finishedCifar.filter((r) => arch(r) === name && r.experiment === 'arch-aug' && Math.abs(lrExcess(r.params)) < 0.4);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const small = comparable('resnet18');
    const big = comparable('resnet50');
    expect(small.length).toBeGreaterThan(3);
    expect(big.length).toBeGreaterThan(3);
    expect(mean(big.map(valAcc))).toBeGreaterThan(mean(small.map(valAcc)));
    expect(mean(big.map((r) => (r.duration_s ?? 0) / (r.params.train as { epochs: number }).epochs))).toBeGreaterThan(
      mean(small.map((r) => (r.duration_s ?? 0) / (r.params.train as { epochs: number }).epochs)),
    );
  });

  it('draws decreasing losses and saturating accuracy', () => {
    const [first] = [...generateDemoRuns({ runs: 400, seed: 'curves', points: 100 })].filter(
      (run) => run.record.project === 'cifar-resnet' && run.record.status === 'finished' && Math.abs(lrExcess(run.record.params)) < 0.3,
    );
    if (!first) throw new Error('no healthy cifar run');
    const series = parseSeriesFile(JSON.parse(first.files['series.json'] ?? ''), 'series.json').series;
    const loss = series['train/loss']?.value ?? [];
    const acc = series['val/acc']?.value ?? [];
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(loss.slice(-10))).toBeLessThan(mean(loss.slice(0, 10)) / 2);
    const gainEarly = mean(acc.slice(20, 30)) - mean(acc.slice(0, 10));
    const gainLate = mean(acc.slice(-10)) - mean(acc.slice(-30, -20));
    expect(gainEarly).toBeGreaterThan(0.1);
    expect(gainLate).toBeLessThan(gainEarly / 4);
  });

  it('links fine-tunes and distilled students to earlier runs of the same project', () => {
    const byId = new Map(runs.map((r) => [r.id, r]));
    const children = runs.filter((r) => r.parents.length > 0);
    expect(children.some((r) => r.experiment === 'dpo')).toBe(true);
    expect(children.some((r) => r.experiment === 'distill')).toBe(true);
    for (const child of children) {
      for (const id of child.parents) {
        const parent = byId.get(id);
        expect(parent?.project).toBe(child.project);
        expect(id < child.id).toBe(true);
      }
    }
  });
});

describe('the committed sample', () => {
  it('is exactly what the generator writes with its default options and --media, and the config names its baselines', () => {
    const configFile = join(tempDir('runpages-demo-config-'), 'runpages.config.yaml');
    const dir = generateFolder(['--config', configFile, '--media']);
    expect(readFileSync(join(ROOT, 'runpages.config.yaml'), 'utf8')).toBe(readFileSync(configFile, 'utf8'));
    const generated = readTree(dir);
    const committed = readTree(join(ROOT, 'runs'));
    expect([...committed.keys()]).toEqual([...generated.keys()]);
    expect(committed).toEqual(generated);
    rmSync(join(dir, '..'), { recursive: true, force: true });
    rmSync(join(configFile, '..'), { recursive: true, force: true });

    const records = loadFolder(join(ROOT, 'runs'));
    expect(records).toHaveLength(300);
    // A few runs carry media, a few MB at most in all (docs/design.md#media).
    const media = [...committed.keys()].filter((file) => file.endsWith('/media.json'));
    expect(media.length).toBeGreaterThan(10);
    expect(new Set(media.map((file) => file.split('/')[0])).size).toBe(3);
    const config = loadConfig(ROOT);
    for (const [project, settings] of Object.entries(config.projects)) {
      const baseline = records.find((r) => r.id === settings.goal?.baseline);
      expect(baseline?.project, project).toBe(project);
      expect(baseline?.tags).toContain('baseline');
      expect(records.some((r) => settings.goal !== undefined && r.metrics[settings.goal.metric] !== undefined)).toBe(true);
    }
    expect(Object.keys(config.projects).sort()).toEqual(['churn-tabular', 'cifar-resnet', 'llm-finetune']);
  });
});
