/**
 * A run's life after it ended: `runpages edit` (name, tags, notes) and `archive` / `unarchive` are
 * commits on the runs branch by whoever ran them, pushed to origin; the job's data stays as it was;
 * archived runs leave ls (unless --archived or --all), tables and summaries, but keep their page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdit, parseTagEdits } from '../src/run/edit.ts';
import type { RunRecord } from '../src/run/schema.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';
import { listFiles } from './helpers/site.ts';

describe('edits as data', () => {
  it('adds and removes tags, appends notes, renames, archives, and keeps every other field', () => {
    expect(parseTagEdits(['+best', '-draft', 'v2'])).toEqual({ addTags: ['best', 'v2'], removeTags: ['draft'] });
    const fields = { id: 'x', tags: ['draft', 'sweep'], notes: 'First.\n', params: { lr: 0.1 }, custom: 1 };
    const edited = applyEdit(fields, { name: 'renamed', addTags: ['best', 'sweep'], removeTags: ['draft'], note: 'Second.' });
    expect(edited).toEqual({ id: 'x', name: 'renamed', tags: ['sweep', 'best'], notes: 'First.\n\nSecond.\n', params: { lr: 0.1 }, custom: 1 });
    expect(fields.tags).toEqual(['draft', 'sweep']);
    expect(applyEdit(applyEdit(fields, { archived: true }), { archived: false })).toEqual(fields);
    expect(applyEdit(fields, { archived: true }).archived).toBe(true);
  });
});

let repo: TestRepo;
let id: string;
const NODE = process.execPath;
const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, env: { RUNPAGES_NOW: '2026-01-01T00:00:00Z' } });

function originRecord(): { path: string; record: RunRecord } {
  const path = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs')
    .split('\n')
    .find((p) => p.endsWith('/run.yaml')) as string;
  return { path, record: parseRunRecord(parseYaml(git(repo.origin, 'show', `runs:${path}`), path), path) };
}

beforeAll(async () => {
  repo = makeTestRepo();
  const recorded = await runCli(['record', '--project', 'demo', '--name', 'first-try', '--tag', 'draft', '--', NODE, BIN, 'log', '--step', '1', 'loss=0.5'], {
    cwd: repo.dir,
    env: { RUNPAGES_LIVE_INTERVAL: 'off' },
  });
  expect(recorded.code, recorded.stderr).toBe(0);
  id = originRecord().record.id;
}, 60_000);
afterAll(() => repo.cleanup());

describe('runpages edit, archive and unarchive', () => {
  it('edit renames, retags and appends a note as a commit on origin, keeping the series', async () => {
    const seriesBefore = git(repo.origin, 'show', `runs:${originRecord().path.replace('run.yaml', 'series.json')}`);
    const commitsBefore = git(repo.origin, 'rev-list', '--count', 'runs');
    const result = await cli('edit', id.slice(0, 10), '--name', 'best-try', '--tag', '+best', '--tag', '-draft', '--note', 'Best of the sweep.');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`run best-try (${id}) edited`);
    const { path, record } = originRecord();
    expect(record).toMatchObject({ id, name: 'best-try', tags: ['best'], notes: 'Best of the sweep.\n', status: 'finished', metrics: { loss: 0.5 } });
    expect(git(repo.origin, 'show', `runs:${path.replace('run.yaml', 'series.json')}`)).toBe(seriesBefore);
    // One more commit, by whoever ran the command: the audit trail.
    expect(Number(git(repo.origin, 'rev-list', '--count', 'runs'))).toBe(Number(commitsBefore) + 1);
    expect(git(repo.origin, 'log', '-1', '--format=%an <%ae>', 'runs')).toBe('Test User <test@example.com>');
    // The commit names the run it edited, so the site can say who changed it and when.
    expect(git(repo.origin, 'log', '-1', '--format=%B', 'runs')).toContain(`Runpages-Edited: ${id}`);
    // Nothing to change, nothing committed.
    const again = await cli('edit', id, '--tag', 'best');
    expect(again.stderr).toContain('nothing changed');
    expect(Number(git(repo.origin, 'rev-list', '--count', 'runs'))).toBe(Number(commitsBefore) + 1);
  });

  it('refuses an edit that names nothing to change, or a run that does not exist', async () => {
    const empty = await cli('edit', id);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('Nothing to change.');
    const unknown = await cli('edit', 'ZZZZ', '--tag', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No run has an id starting with "ZZZZ"');
  });

  it('archive hides the run from ls unless --archived or --all; unarchive brings it back', async () => {
    const archived = await cli('archive', id);
    expect(archived.code, archived.stderr).toBe(0);
    expect(originRecord().record.archived).toBe(true);
    const ids = async (...flags: string[]) => (JSON.parse((await cli('ls', '--json', ...flags)).stdout) as RunRecord[]).map((r) => r.id);
    expect(await ids()).toEqual([]);
    expect(await ids('--archived')).toEqual([id]);
    expect(await ids('--all')).toEqual([id]);
    // show still finds it.
    const shown = await cli('show', id, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, archived: true });

    const unarchived = await cli('unarchive', id);
    expect(unarchived.code, unarchived.stderr).toBe(0);
    expect(originRecord().record.archived).toBeUndefined();
    expect(await ids()).toEqual([id]);
  });

  it('an archived run leaves the project table and summary but keeps its page, which says archived', async () => {
    expect((await cli('archive', id)).code).toBe(0);
    const build = await runCli(['build', '--out', 'site'], { cwd: repo.dir, env: { RUNPAGES_NOW: '2026-01-01T00:00:00Z' }, timeoutMs: 300_000 });
    expect(build.code, build.stderr).toBe(0);
    const page = readFileSync(join(repo.dir, 'site', 'r', id, 'index.html'), 'utf8');
    expect(page).toContain('This run is archived');
    // Who changed it after the fact, from the branch's history: edit, archive, unarchive, archive.
    expect(page).toContain('Edited by Test User on 1 Jan 2026 (4 edits)');
    const table = readFileSync(join(repo.dir, 'site', 'p', 'demo', 'runs', 'index.html'), 'utf8');
    expect(table).not.toContain(id);
    const home = readFileSync(join(repo.dir, 'site', 'index.html'), 'utf8');
    expect(home).not.toContain(`r/${id}/`);
    // Only its own page and the lookups that keep links to it working mention it.
    const mentioning = listFiles(join(repo.dir, 'site')).filter((file) => readFileSync(join(repo.dir, 'site', file), 'utf8').includes(id));
    expect(mentioning).toContain(`r/${id}/index.html`);
    expect(mentioning.filter((file) => file !== `r/${id}/index.html` && !file.startsWith('compare/'))).toEqual([]);
  }, 300_000);
});
