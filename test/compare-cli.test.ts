import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { makeTestRepo } from './helpers/git.ts';

const FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;
const repo = makeTestRepo();
cpSync(FIXTURE, repo.dir, { recursive: true });
afterAll(() => repo.cleanup());

const RUNS = ['01JC1A', '01JC1B', '01JC2C'];

describe('runpages compare', () => {
  it('prints an aligned table with deltas against the baseline and what differs', async () => {
    const result = await runCli(['compare', ...RUNS, '--from', 'runs'], { cwd: repo.dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Comparing 3 runs against calm-fox-1 (01JC1AAAAA000000000000000A)');
    expect(lines).toContain('Validation accuracy  90.9 %                 93.0 % +2.1 pt (+2.3 %)  94.1 % +3.2 pt (+3.5 %)');
    expect(lines).toContain('lr           0.01                   0.003         0.003');
    expect(result.stdout).toContain('Params that differ (1 equal, not shown)');
    expect(result.stdout).toContain(`https://github.com/acme/mnist/compare/${'a'.repeat(40)}...${'c'.repeat(40)}`);
    // NO_COLOR is set by runCli: no escape codes.
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('colours improvements green and regressions red when colour is forced', async () => {
    const result = await runCli(['compare', '01JC2C', '01JC1A', '--from', 'runs'], { cwd: repo.dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(result.stdout).toContain('\u001b[31m90.9 % -3.2 pt (-3.4 %)\u001b[39m');
  });

  it('prints Markdown for a pull-request comment', async () => {
    const result = await runCli(['compare', ...RUNS, '--from', 'runs', '--baseline', '01JC1B', '--markdown'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| | calm-fox-1 | quiet-lynx-7 (baseline) | brave-otter-12 |');
    expect(result.stdout).toContain('| Validation accuracy | 90.9 % (-2.1 pt, -2.3 %) 🔻 | 93.0 % | 94.1 % (+1.1 pt, +1.2 %) ✅ |');
    expect(result.stdout).toContain('| `batch` | 64 | 64 | 128 |');
  });

  it('accepts run names, for the runs and the baseline', async () => {
    const result = await runCli(['compare', 'calm-fox-1', 'brave-otter-12', '--baseline', 'brave-otter-12', '--from', 'runs', '--json'], { cwd: repo.dir });
    const comparison = JSON.parse(result.stdout);
    expect(comparison.runs.map((r: { id: string }) => r.id)).toEqual(['01JC1AAAAA000000000000000A', '01JC2CCCCC000000000000000C']);
    expect(comparison.baseline).toBe(1);
  });

  it('prints JSON', async () => {
    const result = await runCli(['compare', ...RUNS, '--from', 'runs', '--json'], { cwd: repo.dir });
    const comparison = JSON.parse(result.stdout);
    expect(comparison.runs.map((r: { name: string }) => r.name)).toEqual(['calm-fox-1', 'quiet-lynx-7', 'brave-otter-12']);
    expect(comparison.params.find((p: { key: string }) => p.key === 'lr').differs).toBe(true);
  });

  it('lists the candidates of an ambiguous prefix', async () => {
    const result = await runCli(['compare', '01JC1', '01JC2C', '--from', 'runs'], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"01JC1" matches 2 runs: 01JC1AAAAA000000000000000A, 01JC1BBBBB000000000000000B.');
    expect(result.stderr).toContain('hint');
  });

  it('reads the configured runs branch by default, even beside a runs/ folder', async () => {
    const { commitRuns } = await import('../src/branch/commit.ts');
    const { parseRunRecord } = await import('../src/run/validate.ts');
    const { parseYaml } = await import('../src/run/yaml.ts');
    // Only calm-fox-1 and quiet-lynx-7 (renamed) are on the branch; the folder holds all of them.
    const onBranch = [
      { folder: '01JC1AAAAA000000000000000A', from: 'calm-fox-1', to: 'on-the-branch' },
      { folder: '01JC1BBBBB000000000000000B', from: 'quiet-lynx-7', to: 'also-on-the-branch' },
    ].map(({ folder, from, to }) => {
      const file = `runs/mnist/2026-11/${folder}/run.yaml`;
      const text = readFileSync(join(FIXTURE, file), 'utf8').replace(`name: ${from}`, `name: ${to}`);
      return { record: parseRunRecord(parseYaml(text, file), file), files: { 'run.yaml': text }, objects: [] };
    });
    await commitRuns(repo.dir, 'runs', onBranch);
    const result = await runCli(['compare', '01JC1A', '01JC1B', '--json'], { cwd: repo.dir });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).runs.map((r: { name: string }) => r.name)).toEqual(['on-the-branch', 'also-on-the-branch']);
    const missing = await runCli(['compare', '01JC1A', '01JC2C'], { cwd: repo.dir });
    expect(missing.stderr).toContain('No run id starts with "01JC2C" and no run has that name.');
  });

  it('has help with an example', async () => {
    const result = await runCli(['compare', '--help'], { cwd: join(repo.dir) });
    expect(result.stdout).toContain('runpages compare 01JC1A 01JC2C');
  });
});
