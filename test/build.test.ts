/**
 * `runpages build` end to end: a real Astro build of the fixture runs (test/fixtures/site-runs: six
 * valid runs in two projects and one invalid), from a folder and from a git branch, with and without
 * a base path.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { checkLinks } from './helpers/links.ts';
import { type SharedSite, sharedSite } from './helpers/shared-site.ts';
import { listFiles } from './helpers/site.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/site-runs/', import.meta.url));
const RUNS = {
  baseline: '01JDV0A000000000000000000A',
  child: '01JDV0B000000000000000000B',
  hostile: '01JDV0C000000000000000000C',
  running: '01JDV0D000000000000000000D',
  killed: '01JDV0E000000000000000000E',
  noSeries: '01JDV0F000000000000000000F',
};
const SERIES: Record<string, string[]> = {
  [RUNS.baseline]: ['throughput/samples_per_s', 'train/loss', 'val/acc'],
  [RUNS.child]: ['train/loss', 'val/acc'],
  [RUNS.hostile]: ['train/loss'],
  [RUNS.running]: ['val/acc'],
  [RUNS.killed]: ['train/loss'],
  [RUNS.noSeries]: [],
};

let work: string;
let plain: CliResult;
let based: SharedSite;
const read = (out: string, path: string) => readFileSync(join(work, out, path), 'utf8');
const withoutAttributeValues = (html: string) => html.replace(/="[^"]*"/g, '=""');

beforeAll(async () => {
  work = tempDir('runpages-build-');
  cpSync(FIXTURE, join(work, 'runs'), { recursive: true });
  plain = await runCli(['build', '--from', 'runs', '--out', 'out'], { cwd: work, timeoutMs: 300_000 });
  // The same build as site-browser.test.ts serves (one build for both).
  based = await sharedSite('site-runs', ['--base', '/sub/', '--json']);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('runpages build from a folder', () => {
  it('succeeds despite an invalid run, warning about it by file and field', () => {
    expect(plain.stderr).toContain('warning skipped runs/nlp/2026-10/01JDV0G000000000000000000G/run.yaml');
    expect(plain.stderr).toMatch(/field "status".*"exploded"/);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/Built \d+ pages for 6 runs in 2 projects, 1 invalid run skipped/);
    expect(plain.stderr).toContain('runpages preview out');
  });

  it('writes one page per valid run, and none for the invalid one', () => {
    for (const id of Object.values(RUNS)) expect(existsSync(join(work, 'out', 'r', id, 'index.html')), id).toBe(true);
    expect(existsSync(join(work, 'out', 'r', '01JDV0G000000000000000000G'))).toBe(false);
  });

  it('charts every series of every run as an inline SVG', () => {
    for (const [id, names] of Object.entries(SERIES)) {
      const html = read('out', `r/${id}/index.html`);
      const labels = [...html.matchAll(/<svg[^>]*aria-label="([^"]*) by step"/g)].map((m) => m[1]);
      // A log-scale twin is added for series spanning a decade; each series appears at least once.
      expect([...new Set(labels)].sort(), id).toEqual(names);
    }
  });

  it('lists the invalid run on the build report with its field and reason', () => {
    const html = read('out', 'report/index.html');
    expect(html).toContain('runs/nlp/2026-10/01JDV0G000000000000000000G/run.yaml');
    expect(html).toMatch(/<td class="mono small"[^>]*>status<\/td>/);
    expect(html).toContain('(got &quot;exploded&quot;)');
  });

  it('shows the home page with one card per project and its best run', () => {
    const html = read('out', 'index.html');
    expect(html.match(/<article class="card project"/g)).toHaveLength(2);
    // No goal is configured: vision is judged by val/acc (it reads as a goal, see chooseGoal), as on its
    // summary page; calm-heron-2 has the highest, 0.934, and the card leads with the summary's headline.
    expect(html).toMatch(/Best val\/acc[\s\S]*?0\.934[\s\S]*?calm-heron-2/);
    expect(html).toContain('The best model reaches a val/acc of 0.934 (run calm-heron-2)');
    expect(html).toMatch(/Best perplexity[\s\S]*?10\.9[\s\S]*?tiny-bert-2/);
  });

  it('renders a run page with overview, metrics, params, artifacts, lineage and notes', () => {
    const html = read('out', `r/${RUNS.baseline}/index.html`);
    expect(html).toContain('<h1');
    expect(html).toContain('brave-otter-1');
    expect(html).toContain('1h 02m');
    expect(html).toContain('optim.lr');
    expect(html).toContain(`runpages pull ${RUNS.baseline} plots/confusion.png`);
    expect(html).toContain('href="https://github.com/acme/vision/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"');
    expect(html).toContain(`href="/r/${RUNS.child}/"`);
    expect(html).toContain('<strong>Adam</strong>');
    const child = read('out', `r/${RUNS.child}/index.html`);
    expect(child).toContain(`href="/r/${RUNS.baseline}/"`);
  });

  it('escapes run text and strips scripts from notes', () => {
    // Attribute values may hold `<` unescaped (that is valid HTML); look at markup outside them.
    const hostile = withoutAttributeValues(read('out', `r/${RUNS.hostile}/index.html`));
    expect(hostile).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(hostile).not.toContain('<b>evil</b>');
    expect(hostile).not.toContain('<script>alert(1)</script>');
    expect(hostile).not.toContain('<img src=x onerror');
    const baseline = read('out', `r/${RUNS.baseline}/index.html`);
    expect(baseline).not.toContain('__pwned');
    expect(baseline).not.toContain('onerror');
  });

  it('gives every page a title, description, Open Graph tags and a strict CSP with no inline scripts', () => {
    const pages = listFiles(join(work, 'out')).filter((f) => f.endsWith('.html'));
    expect(pages).toContain('404.html');
    expect(pages.length).toBeGreaterThanOrEqual(9);
    for (const page of pages) {
      const html = read('out', page);
      expect(html, page).toMatch(/<title>[^<]+<\/title>/);
      expect(html, page).toMatch(/<meta name="description" content="[^"]+"/);
      expect(html, page).toMatch(/<meta property="og:title" content="[^"]+"/);
      expect(html, page).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self';/);
      // Every script is a file: no inline code the CSP would block.
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag, page).toMatch(/\ssrc="|type="application\/json"/);
    }
  });

  it('writes a lazily loadable search index per project', () => {
    const index = JSON.parse(read('out', 'data/vision/search.json')) as { documentCount: number };
    expect(index.documentCount).toBe(4);
  });

  it('has no broken internal links', () => {
    expect(checkLinks(join(work, 'out'), '/').broken).toEqual([]);
  });
});

describe('runpages build --base /sub/', () => {
  it('prefixes every internal link with the base, and they all resolve', () => {
    expect(based.build.code, based.build.stderr).toBe(0);
    const summary = JSON.parse(based.build.stdout) as { base: string; runs: number; invalid: unknown[] };
    expect(summary).toMatchObject({ base: '/sub/', runs: 6 });
    expect(summary.invalid).toHaveLength(1);
    const home = readFileSync(join(based.out, 'index.html'), 'utf8');
    expect(home, home).toContain(`href="/sub/r/${RUNS.running}/"`);
    expect(home).not.toMatch(/href="\/r\//);
    expect(checkLinks(based.out, '/sub/').broken).toEqual([]);
  });
});

describe('reproducible builds', () => {
  it('builds the same bytes twice with SOURCE_DATE_EPOCH, from a cold and a warm cache', async () => {
    const env = { SOURCE_DATE_EPOCH: '1795000000' };
    rmSync(join(work, '.runpages'), { recursive: true, force: true });
    const first = await runCli(['build', '--from', 'runs', '--out', 'repro-a'], { cwd: work, env, timeoutMs: 300_000 });
    const second = await runCli(['build', '--from', 'runs', '--out', 'repro-b'], { cwd: work, env, timeoutMs: 300_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const files = listFiles(join(work, 'repro-a'));
    expect(listFiles(join(work, 'repro-b'))).toEqual(files);
    for (const file of files) expect(read('repro-b', file), file).toBe(read('repro-a', file));
    expect(read('repro-a', 'report/index.html')).toContain('18 Nov 2026, 11:06 UTC');
  }, 600_000);

  it('rebuilds into the same folder keeping unchanged pages and removing what the runs no longer have', async () => {
    const env = { SOURCE_DATE_EPOCH: '1795000000' };
    // repro-b was built last: its pages are the ones the cache knows.
    const out = join(work, 'repro-b');
    const keptPage = join(out, 'r', RUNS.baseline, 'index.html');
    const keptAt = statSync(keptPage).mtimeMs;
    writeFileSync(join(out, 'stray.txt'), 'left from something else');
    // A gh-pages worktree built into keeps its repository, empty folders included.
    mkdirSync(join(out, '.git', 'refs', 'tags'), { recursive: true });
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/gh-pages\n');
    // The same runs without one: its page must go, the others stay untouched.
    cpSync(join(work, 'runs'), join(work, 'fewer-runs'), { recursive: true });
    const gone = readdirSync(join(work, 'fewer-runs'), { recursive: true, encoding: 'utf8' }).find((path) => path.endsWith(RUNS.killed));
    rmSync(join(work, 'fewer-runs', gone as string), { recursive: true });
    // And one run renamed: its page is rendered again.
    const renamed = join(work, 'fewer-runs', 'vision', '2026-11', RUNS.running, 'run.yaml');
    writeFileSync(renamed, readFileSync(renamed, 'utf8').replace(/^name: .*$/m, 'name: renamed-run-7'));
    const again = await runCli(['build', '--from', 'fewer-runs', '--out', 'repro-b'], { cwd: work, env, timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(out, 'r', RUNS.killed))).toBe(false);
    expect(existsSync(join(out, 'stray.txt'))).toBe(false);
    expect(readFileSync(join(out, '.git', 'HEAD'), 'utf8')).toContain('gh-pages');
    expect(existsSync(join(out, '.git', 'refs', 'tags'))).toBe(true);
    expect(statSync(keptPage).mtimeMs).toBe(keptAt);
    expect(read('repro-b', `r/${RUNS.running}/index.html`)).toContain('renamed-run-7');
    expect(checkLinks(out, '/').broken).toEqual([]);
  }, 600_000);
});

describe('runpages build from a branch', () => {
  let repo: TestRepo;
  let result: CliResult;

  beforeAll(async () => {
    repo = makeTestRepo();
    // An orphan `runs` branch holding only runs/, made in a second worktree so main stays checked out.
    const side = join(repo.dir, '..', 'side');
    git(repo.dir, 'worktree', 'add', '-q', '--detach', side);
    git(side, 'checkout', '-q', '--orphan', 'runs');
    git(side, 'rm', '-rq', '--cached', '.');
    rmSync(join(side, 'README.md'));
    cpSync(FIXTURE, join(side, 'runs'), { recursive: true });
    git(side, 'add', 'runs');
    git(side, 'commit', '-qm', 'runs');
    git(repo.dir, 'worktree', 'remove', '--force', side);
    result = await runCli(['build', '--out', 'site'], { cwd: repo.dir, timeoutMs: 300_000 });
  }, 400_000);

  afterAll(() => repo.cleanup());

  it('reads the configured branch without a checkout and builds every run', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('branch runs');
    for (const id of Object.values(RUNS)) expect(existsSync(join(repo.dir, 'site', 'r', id, 'index.html')), id).toBe(true);
    expect(git(repo.dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(existsSync(join(repo.dir, 'runs'))).toBe(false);
    expect(checkLinks(join(repo.dir, 'site'), '/').broken).toEqual([]);
  });

  it('fails with a hint when the branch does not exist', async () => {
    const missing = await runCli(['build', '--from', 'nope', '--out', 'x'], { cwd: repo.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error');
    expect(missing.stderr).toContain('nope');
    expect(missing.stderr).toContain('hint');
  });
});
