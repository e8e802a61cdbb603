/**
 * Crashed, not running: a `running` record whose heartbeat (or, without one, its creation) is older
 * than the stale window is shown as `crashed` by ls, show and queries, at a pinned clock; the record
 * on the branch keeps `running`.
 */
import fc from 'fast-check';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { liveSettings, liveStatus, NO_HEARTBEAT_STALE_S, withLiveStatus } from '../src/run/liveness.ts';
import { RUN_STATUSES, type RunRecord } from '../src/run/schema.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { runPath } from './helpers/layout.ts';

const T0 = Date.parse('2026-11-19T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('liveStatus', () => {
  const settings = { staleAfter: 360 };

  it('keeps a running run whose heartbeat is within the window, and calls it crashed past it', () => {
    const record = { status: 'running' as const, created: iso(T0), heartbeat: iso(T0 + 3_600_000) };
    expect(liveStatus(record, new Date(T0 + 3_600_000 + 359_000), settings)).toBe('running');
    expect(liveStatus(record, new Date(T0 + 3_600_000 + 361_000), settings)).toBe('crashed');
  });

  it('judges a record without a heartbeat from its creation, with a day of patience', () => {
    const record = { status: 'running' as const, created: iso(T0) };
    expect(liveStatus(record, new Date(T0 + 3_600_000), settings)).toBe('running');
    expect(liveStatus(record, new Date(T0 + NO_HEARTBEAT_STALE_S * 1000 + 1000), settings)).toBe('crashed');
    // The demo's case: a run from 19 November, still "running" on 4 December.
    expect(liveStatus(record, new Date('2026-12-04T00:00:00Z'), settings)).toBe('crashed');
  });

  it('never changes a run that ended, whatever the clock, and never touches the record it is given', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RUN_STATUSES),
        fc.integer({ min: -(10 ** 10), max: 10 ** 10 }),
        fc.option(fc.integer({ min: -(10 ** 9), max: 10 ** 9 }), { nil: undefined }),
        fc.integer({ min: 1, max: 10 ** 6 }),
        (status, offset, beat, staleAfter) => {
          const record = { status, created: iso(T0), ...(beat === undefined ? {} : { heartbeat: iso(T0 + beat) }) } as RunRecord;
          const before = JSON.stringify(record);
          const [shown] = withLiveStatus([{ record }], new Date(T0 + offset), { staleAfter });
          expect(JSON.stringify(record)).toBe(before);
          if (status !== 'running') expect(shown?.record.status).toBe(status);
          else expect(['running', 'crashed']).toContain(shown?.record.status);
          // Crashed exactly when the silence is longer than the window.
          if (status === 'running') {
            const last = beat === undefined ? T0 : T0 + beat;
            const window = beat === undefined ? Math.max(staleAfter, NO_HEARTBEAT_STALE_S) : staleAfter;
            expect(shown?.record.status).toBe(T0 + offset - last > window * 1000 ? 'crashed' : 'running');
          }
        },
      ),
    );
  });

  it('reads the window from the config: 3 heartbeats by default, live.staleAfter when given', () => {
    expect(liveSettings(parseConfig({}))).toEqual({ interval: 120, staleAfter: 360 });
    expect(liveSettings(parseConfig({ live: { interval: 30 } }))).toEqual({ interval: 30, staleAfter: 90 });
    expect(liveSettings(parseConfig({ live: { interval: 30, staleAfter: 600 } }))).toEqual({ interval: 30, staleAfter: 600 });
    expect(liveSettings(parseConfig({ live: false }))).toEqual({ interval: undefined, staleAfter: 360 });
    expect(() => parseConfig({ live: { interval: -1 } })).toThrow(/live\.interval/);
  });
});

describe('ls, show and queries show crashed runs at the pinned clock', () => {
  let work: string;
  const RUNNING = '01JD1F6G8H0J2K4M6N8P0Q2R4S';
  const QUIET = '01JD1F6G8H0J2K4M6N8P0Q2R4T';
  const DONE = '01JD1F6G8H0J2K4M6N8P0Q2R4V';

  beforeAll(() => {
    work = tempDir('runpages-liveness-');
    const write = (id: string, fields: Record<string, unknown>) => {
      const dir = join(work, runPath('vision', '2026-11', id));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'run.yaml'), stringify({ schema: 'runpages/run@1', id, name: `run-${id.slice(-1)}`, project: 'vision', ...fields }));
    };
    write(RUNNING, {
      status: 'running',
      created: '2026-11-19T10:00:00Z',
      heartbeat: '2026-11-19T12:00:00Z',
      step: 40,
      total_steps: 100,
      metrics: { 'val/acc': 0.8125 },
    });
    write(QUIET, { status: 'running', created: '2026-11-19T09:00:00Z', heartbeat: '2026-11-19T10:00:00Z' });
    write(DONE, { status: 'finished', created: '2026-11-19T08:00:00Z' });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const cli = (now: string, ...args: string[]) => runCli([...args, '--from', 'runs'], { cwd: work, env: { RUNPAGES_NOW: now, COLUMNS: '120' } });
  const statuses = async (now: string, query = '') => {
    const result = await cli(now, 'ls', ...(query ? [query] : []), '--json');
    expect(result.code, result.stderr).toBe(0);
    return Object.fromEntries((JSON.parse(result.stdout) as RunRecord[]).map((r) => [r.id, r.status]));
  };

  it('says running while heartbeats are fresh and crashed once they stop', async () => {
    expect(await statuses('2026-11-19T12:03:00Z')).toEqual({ [RUNNING]: 'running', [QUIET]: 'crashed', [DONE]: 'finished' });
    expect(await statuses('2026-12-04T00:00:00Z')).toEqual({ [RUNNING]: 'crashed', [QUIET]: 'crashed', [DONE]: 'finished' });
  });

  it("lets a query select them: status = 'crashed' and status = 'running' see the derived status", async () => {
    expect(Object.keys(await statuses('2026-11-19T12:03:00Z', "status = 'crashed'"))).toEqual([QUIET]);
    expect(Object.keys(await statuses('2026-11-19T12:03:00Z', "status = 'running'"))).toEqual([RUNNING]);
  });

  it('shows the status in the table and in show, text and --json', async () => {
    const table = await cli('2026-12-04T00:00:00Z', 'ls');
    expect(table.stdout).toMatch(/run-S\s.*crashed/);
    const shown = await cli('2026-12-04T00:00:00Z', 'show', RUNNING, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: RUNNING, status: 'crashed', step: 40, total_steps: 100 });
    const text = await cli('2026-12-04T00:00:00Z', 'show', RUNNING);
    expect(text.stdout).toContain('crashed');
    expect(text.stdout).toMatch(/last heard\s+19 Nov 2026, 12:00 UTC \(2 weeks ago\)/);
    expect(text.stdout).toMatch(/progress\s+step 40 \/ 100 \(40 %\)/);
    expect(text.stdout).not.toMatch(/\brunning\b/);
  });
});

describe("the site shows what is running at the build's clock", () => {
  let work: string;
  const RUNNING = '01JD1F6G8H0J2K4M6N8P0Q2R4S';
  const QUIET = '01JD1F6G8H0J2K4M6N8P0Q2R4T';
  beforeAll(() => {
    work = tempDir('runpages-live-site-');
    const write = (id: string, fields: Record<string, unknown>) => {
      const dir = join(work, 'runs', 'vision', '2026-11', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'run.yaml'), stringify({ schema: 'runpages/run@1', id, name: `run-${id.slice(-1)}`, project: 'vision', ...fields }));
    };
    write(RUNNING, {
      status: 'running',
      created: '2026-11-19T10:00:00Z',
      heartbeat: '2026-11-19T12:00:00Z',
      step: 40,
      total_steps: 100,
      metrics: { 'val/acc': 0.8125 },
    });
    write(QUIET, { status: 'running', created: '2026-11-19T09:00:00Z', heartbeat: '2026-11-19T10:00:00Z' });
    write('01JD1F6G8H0J2K4M6N8P0Q2R4V', { status: 'finished', created: '2026-11-19T08:00:00Z', metrics: { 'val/acc': 0.9 } });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('home and project pages list running and crashed runs with updated-ago, progress and the goal so far; run pages say when they were last heard from', async () => {
    const build = await runCli(['build', '--from', 'runs', '--out', 'site'], { cwd: work, env: { RUNPAGES_NOW: '2026-11-19T12:03:00Z' }, timeoutMs: 300_000 });
    expect(build.code, build.stderr).toBe(0);
    const text = (file: string) =>
      readFileSync(join(work, 'site', file), 'utf8')
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ');
    for (const page of ['index.html', 'p/vision/index.html']) {
      const html = text(page);
      expect(html).toContain('Running now 1 running, 1 crashed in the last day, as of this build');
      expect(html).toMatch(/run-S .*running updated 3 minutes ago 40 \/ 100 val\/acc 0\.8125/);
      expect(html).toMatch(/run-T .*crashed updated 2 hours ago/);
    }
    expect(text(`r/${RUNNING}/index.html`)).toContain('Running, last heard from 3 minutes ago (19 Nov 2026, 12:00 UTC), at step 40 / 100 (40 %).');
    expect(text(`r/${QUIET}/index.html`)).toContain('Crashed: nothing heard from this run since 2 hours ago (19 Nov 2026, 10:00 UTC)');
  }, 300_000);
});
