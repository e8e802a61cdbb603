/**
 * `runpages watch`: running and just-ended runs from origin's runs branch, with status, progress and
 * latest values; refreshes every --interval seconds as plain text, exits cleanly on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.ts';
import { TEST_GIT_ENV, makeTestRepo, type TestRepo } from './helpers/git.ts';

const NOW = '2026-11-19T12:05:00Z';
let repo: TestRepo;

async function publish(id: string, fields: Record<string, unknown>, metrics = '') {
  const dir = join(repo.dir, 'made', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.yaml'), stringify({ schema: 'runpages/run@1', id, project: 'vision', ...fields }));
  if (metrics) writeFileSync(join(dir, 'metrics.jsonl'), metrics);
  const result = await runCli(['commit', dir], { cwd: repo.dir });
  expect(result.code, result.stderr).toBe(0);
}

beforeAll(async () => {
  repo = makeTestRepo();
  await publish(
    '01JD1F6G8H0J2K4M6N8P0Q2R4S',
    { name: 'live-one', status: 'running', created: '2026-11-19T10:00:00Z', heartbeat: '2026-11-19T12:04:30Z', step: 40, total_steps: 100 },
    '{"step": 20, "loss": 0.5}\n{"step": 40, "loss": 0.25}\n',
  );
  await publish('01JD1F6G8H0J2K4M6N8P0Q2R4T', { name: 'just-done', status: 'finished', created: '2026-11-19T09:00:00Z', ended: '2026-11-19T12:00:00Z' });
  await publish('01JD1F6G8H0J2K4M6N8P0Q2R4V', { name: 'long-ago', status: 'finished', created: '2026-11-18T09:00:00Z', ended: '2026-11-18T12:00:00Z' });
  await publish('01JD1F6G8H0J2K4M6N8P0Q2R4W', { name: 'gone-quiet', status: 'running', created: '2026-11-19T08:00:00Z', heartbeat: '2026-11-19T11:55:00Z' });
}, 60_000);
afterAll(() => repo.cleanup());

describe('runpages watch', () => {
  it('--once shows running and just-ended runs with progress and latest values, not old ones', async () => {
    const result = await runCli(['watch', '--once', '--now', NOW], { cwd: repo.dir, env: { COLUMNS: '120' } });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toContain('runpages watch · origin/runs · 2026-11-19 12:05:00 UTC');
    expect(lines[2]).toMatch(/^id\s+name\s+status\s+progress\s+left\s+seen\s+latest$/);
    // 40 steps in 2 h 4.5 min: the 60 left take about 3.1 h at that pace.
    expect(result.stdout).toMatch(/live-one\s+running\s+40\/100 40%\s+~3\.1h\s+30s ago\s+loss=0\.25/);
    expect(result.stdout).toMatch(/just-done\s+finished\s+–\s+–\s+5m ago/);
    expect(result.stdout).toMatch(/gone-quiet\s+crashed/);
    expect(result.stdout).not.toContain('long-ago');
    expect(result.stdout).not.toContain('\u001b');
  });

  it('draws the chosen metric as a sparkline of its series on the branch', async () => {
    const result = await runCli(['watch', '--once', '--now', NOW, '--metric', 'loss'], { cwd: repo.dir, env: { COLUMNS: '160' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[2]).toMatch(/seen\s+loss\s+latest$/);
    expect(result.stdout).toMatch(/live-one\s+.*30s ago\s+█▁\s+loss=0\.25/);
    expect(result.stdout).toMatch(/just-done\s+.*5m ago\s+–/);
  });

  it('narrows with a query and a project', async () => {
    const result = await runCli(['watch', '--once', '--now', NOW, "status = 'running'"], { cwd: repo.dir });
    expect(result.stdout).toContain('live-one');
    expect(result.stdout).not.toContain('just-done');
    const none = await runCli(['watch', '--once', '--now', NOW, '--project', 'other'], { cwd: repo.dir });
    expect(none.stdout).toContain('No runs running or ended in the last 15 minutes.');
  });

  it('refreshes every --interval as plain text and exits 0 on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'watch', '--interval', '0.3', '--now', NOW], {
      cwd: repo.dir,
      env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while ((stdout.match(/runpages watch ·/g) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect((stdout.match(/runpages watch ·/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(stdout).not.toContain('\u001b');
  }, 40_000);

  it('refuses a bad interval', async () => {
    const result = await runCli(['watch', '--interval', 'soon'], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--interval must be a number of seconds');
  });
});
