/**
 * The hostile corpus (test/fixtures/hostile/, see its README) plus generated giants (10 MB notes, 100k
 * params, a 2M-point series) built by `runpages build` as a real process: the build completes within
 * a memory bound, every bad run is on /report/ with its reason, every other run has a page, and no
 * page carries live markup from run text (event handlers, scripts, `javascript:` links, frames,
 * refreshes). The same pages are opened in Chromium by hostile-browser.test.ts.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { runMeasured, type ProcessResult } from '../scripts/bench/process.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COLUMNS, buildTable } from '../src/index/table.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { BIN } from './helpers/cli.ts';
import { TEST_GIT_ENV, tempDir } from './helpers/git.ts';
import { hostileCases, writeHostileCorpus } from './helpers/hostile.ts';
import { listFiles } from './helpers/site.ts';

const MEMORY_BOUND_MB = 2 * 1024;
const cases = hostileCases();
let work: string;
let build: ProcessResult;

beforeAll(async () => {
  work = tempDir('runpages-hostile-');
  writeHostileCorpus(join(work, 'corpus'), { large: true });
  // Under GNU time, to read the whole process's peak resident memory.
  build = await runMeasured(process.execPath, [BIN, 'build', '--from', 'corpus', '--out', 'out'], {
    cwd: work,
    env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1' },
  });
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('building the hostile corpus', () => {
  it('has at least 30 cases, each present in the fixture folder', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) expect(existsSync(join(work, 'corpus', c.folder)), c.folder).toBe(true);
  });

  it('completes, with peak memory under 2 GB', () => {
    expect(build.code, build.stderr).toBe(0);
    console.log(`hostile corpus build: peak RSS ${build.maxRssMb?.toFixed(0)} MB`);
    expect(build.maxRssMb, 'GNU time did not report peak memory').toBeDefined();
    expect(build.maxRssMb!).toBeLessThan(MEMORY_BOUND_MB);
  });

  it('lists every skipped run on /report/ with its reason, and nothing else', () => {
    const { document } = parseHTML(readFileSync(join(work, 'out/report/index.html'), 'utf8'));
    const rows = [...document.querySelectorAll('table.invalid-runs tbody tr')].map((tr) => ({
      file: tr.querySelector('.key')?.textContent ?? '',
      reason: tr.querySelector('.reason')?.textContent ?? '',
    }));
    const skipped = cases.filter((c) => c.outcome === 'skipped');
    for (const c of skipped) {
      const row = rows.find((r) => r.file.startsWith(`runs/${c.folder}/`));
      expect(row, `${c.folder} is not on the report`).toBeDefined();
      expect(row?.reason, c.folder).toContain(c.reason);
    }
    expect(rows).toHaveLength(skipped.length);
    // The CLI says the same on stderr, naming the file.
    for (const c of skipped) expect(build.stderr).toContain(`runs/${c.folder}/`);
  });

  it('writes only into the output folder and its cache, whatever the ids and paths in the runs', () => {
    expect(readdirSync(work).sort()).toEqual(['.runpages', 'corpus', 'out']);
    expect(readdirSync(join(work, 'out/r')).sort()).toEqual(
      cases
        .filter((c) => c.outcome === 'shown')
        .map((c) => c.id)
        .sort(),
    );
  });

  it('gives every shown run its page, with its name as text', () => {
    for (const c of cases.filter((c) => c.outcome === 'shown')) {
      const page = join(work, 'out/r', c.id, 'index.html');
      expect(existsSync(page), `${c.folder} has no page`).toBe(true);
      const { document } = parseHTML(readFileSync(page, 'utf8'));
      expect(document.querySelector('h1')?.textContent?.length ?? 0, c.folder).toBeGreaterThan(0);
    }
  });

  it('shows payloads as text: the run name heading is the literal payload', () => {
    const { document } = parseHTML(readFileSync(join(work, 'out/r/xss-name/index.html'), 'utf8'));
    expect(document.querySelector('h1')?.textContent).toContain('<img src=x onerror="window.__pwned=1">');
    const notes = parseHTML(readFileSync(join(work, 'out/r/xss-notes/index.html'), 'utf8')).document;
    expect(notes.body.textContent).toContain('click me');
  });

  it('ships no live markup from run text on any page', () => {
    const pages = listFiles(join(work, 'out')).filter((file) => file.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(cases.length / 2);
    const problems: string[] = [];
    for (const file of pages) {
      const { document } = parseHTML(readFileSync(join(work, 'out', file), 'utf8'));
      const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      if (scriptSrc !== "'self'") problems.push(`${file}: script-src is "${scriptSrc}"`);
      if (!csp.includes("object-src 'none'") || !csp.includes("base-uri 'none'")) problems.push(`${file}: CSP lacks object-src/base-uri 'none'`);
      for (const element of document.querySelectorAll('*')) {
        const tag = element.tagName.toLowerCase();
        for (const { name, value } of [...element.attributes]) {
          if (name.toLowerCase().startsWith('on')) problems.push(`${file}: <${tag} ${name}="${value}">`);
          if (
            ['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(name.toLowerCase()) &&
            /^\s*(javascript|vbscript|data:text\/html)/i.test(value)
          ) {
            problems.push(`${file}: <${tag} ${name}="${value}">`);
          }
        }
        if (['iframe', 'object', 'embed', 'base', 'frame'].includes(tag)) problems.push(`${file}: <${tag}>`);
        if (tag === 'meta' && element.getAttribute('http-equiv')?.toLowerCase() === 'refresh') problems.push(`${file}: meta refresh`);
        if (tag === 'script') {
          const type = element.getAttribute('type') ?? '';
          const inline = (element.textContent ?? '').trim();
          if (inline && !/json/.test(type)) problems.push(`${file}: inline script`);
          if (inline.includes('__pwned') && /json/.test(type) && /<\/script/i.test(inline)) problems.push(`${file}: </script> inside JSON data`);
          const src = element.getAttribute('src');
          if (src && /^(https?:)?\/\//.test(src)) problems.push(`${file}: external script ${src}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('limits that keep giants small', () => {
  it('caps a run table at MAX_COLUMNS columns, keeping attributes and the most present params', () => {
    const params = Object.fromEntries(Array.from({ length: MAX_COLUMNS + 500 }, (_, i) => [`p${i}`, i]));
    const runs = [
      { id: 'a', name: 'a', status: 'finished', created: '2026-11-01T00:00:00Z', params, metrics: {} },
      { id: 'b', name: 'b', status: 'finished', created: '2026-11-02T00:00:00Z', params: { shared: 1, p0: 2 }, metrics: { acc: 1 } },
      { id: 'c', name: 'c', status: 'finished', created: '2026-11-03T00:00:00Z', params: { shared: 2 }, metrics: { acc: 2 } },
    ];
    const table = buildTable(runs as unknown as Parameters<typeof buildTable>[0], { project: 'x' });
    const keys = table.index.columns.map((c) => c.key);
    expect(keys.length).toBe(MAX_COLUMNS);
    expect(keys).toEqual(expect.arrayContaining(['name', 'status', 'created', 'params.p0', 'metrics.acc', 'params.shared']));
    // name, status, created + p0..p2499 and shared + acc, less the cap
    expect(table.index.omitted).toBe(3 + MAX_COLUMNS + 501 + 1 - MAX_COLUMNS);
  });

  it('rejects a YAML alias bomb with a reason instead of expanding it', () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    ].join('\n');
    expect(() => parseYaml(bomb, 'runs/p/2026-11/x/run.yaml')).toThrow(/runs\/p\/2026-11\/x\/run.yaml: is not usable YAML/);
  });
});
