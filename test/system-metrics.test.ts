/**
 * System metrics end to end: a job recorded for a few seconds with a short sampling interval lands
 * with system/ series (CPU and memory of its process tree from /proc, GPUs from nvidia-smi), kept
 * out of its metrics; `system: false` records none.
 *
 * The GPU comes from a fake `nvidia-smi` on PATH: a shell script printing exactly what the real one
 * prints for the query runpages makes (`--format=csv,noheader,nounits`). This is an allowed fake:
 * the machine has no GPU, and the format is what is under test.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseYaml } from '../src/run/yaml.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';

let repo: TestRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** The one run on origin: its record and its stored series (`any`: the test reads fields of files it knows). */
function originRun(origin: string): { record: Record<string, any>; series: Record<string, { step: number[]; value: number[] }> } {
  const path = git(origin, 'ls-tree', '-r', '--name-only', 'runs')
    .split('\n')
    .find((p) => p.endsWith('/run.yaml')) as string;
  const record = parseYaml(git(origin, 'show', `runs:${path}`), path) as Record<string, any>;
  const series = JSON.parse(git(origin, 'show', `runs:${path.replace(/run\.yaml$/, 'series.json')}`)).series;
  return { record, series };
}

function fakeNvidiaSmi(dir: string): string {
  const bin = join(dir, 'fake-bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'nvidia-smi'),
    `#!/bin/sh
# Answers only the query runpages makes, as the real nvidia-smi does (one line per GPU).
case "$*" in
  *--query-gpu=index,utilization.gpu,memory.used,memory.total*--format=csv,noheader,nounits*) printf '0, 87, 10240, 16384\\n1, 0, 3, 16384\\n' ;;
  *--query-gpu=name*) printf 'NVIDIA A100-SXM4-40GB\\nNVIDIA A100-SXM4-40GB\\n' ;;
  *) exit 2 ;;
esac
`,
  );
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  return bin;
}

describe('system metrics under record', () => {
  it('a run of a few seconds sampled every 0.2 s has system/ series for CPU, memory and each GPU, not in its metrics', async () => {
    repo = makeTestRepo();
    const { dir, origin } = repo;
    const bin = fakeNvidiaSmi(dir);
    // Some CPU and memory to see: a child process of the job keeps a buffer and spins.
    const job = `const keep = Buffer.alloc(64 * 1024 * 1024, 1); const end = Date.now() + 2500; let x = 0; while (Date.now() < end) x += Math.sqrt(x + keep[x % 1000]); console.log(x > 0 ? 'done' : 'odd');`;
    const result = await runCli(['record', '--project', 'demo', '--', 'sh', '-c', `"${process.execPath}" -e "${job}"`], {
      cwd: dir,
      env: { PATH: `${bin}:${process.env.PATH}`, RUNPAGES_SYSTEM_INTERVAL: '0.2', RUNPAGES_LIVE_INTERVAL: 'off' },
    });
    expect(result.code, result.stderr).toBe(0);
    const { record, series } = originRun(origin);
    for (const key of ['system/cpu_percent', 'system/memory_mb', 'system/gpu0/utilization_percent', 'system/gpu0/memory_mb', 'system/gpu1/memory_percent']) {
      expect(series[key]?.value.length, `${key} in ${Object.keys(series).join(', ')}`).toBeGreaterThan(0);
    }
    expect(series['system/gpu0/utilization_percent']!.value.every((v) => v === 87)).toBe(true);
    // The spinning child is in the job's tree: some CPU, and its 64 MB buffer in the memory.
    expect(Math.max(...series['system/cpu_percent']!.value)).toBeGreaterThan(0);
    expect(Math.max(...series['system/memory_mb']!.value)).toBeGreaterThan(64);
    // Steps are seconds since the run started.
    expect(series['system/memory_mb']!.step.every((step) => step >= 0 && step <= 60)).toBe(true);
    expect(Object.keys(record.metrics ?? {}).filter((key) => key.startsWith('system/'))).toEqual([]);
    expect(record.series['system/memory_mb'].points).toBeGreaterThan(0);
    // The environment names the fake GPUs too.
    expect(record.env.gpu).toEqual(['NVIDIA A100-SXM4-40GB', 'NVIDIA A100-SXM4-40GB']);

    // On the run page they are a chart group of their own, after the job's charts (none here).
    const build = await runCli(['build', '--out', 'site'], { cwd: dir, env: { RUNPAGES_NOW: '2026-12-04T00:00:00Z' }, timeoutMs: 300_000 });
    expect(build.code, build.stderr).toBe(0);
    const page = readFileSync(join(dir, 'site', 'r', record.id, 'index.html'), 'utf8');
    expect(page).toContain('id="system-charts"');
    expect(page).not.toContain('id="charts"');
    expect(page).toMatch(/gpu0\/utilization_percent/);
  }, 300_000);

  it('system: false in the config records none', async () => {
    repo = makeTestRepo();
    const { dir, origin } = repo;
    writeFileSync(join(dir, 'runpages.config.yaml'), 'system: false\n');
    const result = await runCli(['record', '--project', 'demo', '--', 'sh', '-c', 'sleep 1; echo ok'], { cwd: dir, env: { RUNPAGES_LIVE_INTERVAL: 'off' } });
    expect(result.code, result.stderr).toBe(0);
    const path = git(origin, 'ls-tree', '-r', '--name-only', 'runs')
      .split('\n')
      .find((p) => p.endsWith('/run.yaml')) as string;
    const record = parseYaml(git(origin, 'show', `runs:${path}`), path) as Record<string, any>;
    expect(Object.keys(record.series ?? {})).toEqual([]);
  }, 60_000);
});
