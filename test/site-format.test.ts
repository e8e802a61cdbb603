/**
 * The site's pure helpers: number/time formatting, URLs under a base path, forge links, Markdown
 * sanitising, run page view, and chart rendering (deterministic SVG).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canLogScale, renderSeriesChart } from '../src/site/charts.ts';
import { chartsKey, compareKey, isKeyOfRuns, seriesKey } from '../src/site/run-assets.ts';
import { formatBytes, formatDateTime, formatDelta, formatDuration, formatMetric, formatNumber, formatRelative, plural } from '../src/site/format.ts';
import { renderMarkdown } from '../src/site/markdown.ts';
import { activitySvg, weeklyActivity } from '../src/site/home-view.ts';
import { MAX_NOTES, MAX_ROWS, paramRows, runView } from '../src/site/run-view.ts';
import { RunRecordSchema } from '../src/run/schema.ts';
import { smoothPath } from '../site/src/scripts/smooth.ts';
import { commitUrl, githubRepo, joinBase, normalizeBase, objectUrl } from '../src/site/url.ts';

describe('format', () => {
  it('formats numbers consistently', () => {
    expect(formatNumber(12345)).toBe('12,345');
    expect(formatNumber(0.934512)).toBe('0.9345');
    expect(formatNumber(-0.5)).toBe('−0.5');
    expect(formatNumber(1234.567)).toBe('1,234.6');
    expect(formatNumber(3e-7)).toBe('3.00e-7');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(-Infinity)).toBe('−∞');
    expect(formatNumber(0.5, 3)).toBe('0.500');
  });

  it('formats metrics by their display config', () => {
    expect(formatMetric(0.9341, { format: 'percent', digits: 1 })).toBe('93.4 %');
    expect(formatMetric(1520.4, { format: 'integer', unit: 'img/s' })).toBe('1,520 img/s');
    expect(formatMetric(125, { format: 'duration' })).toBe('2m 05s');
    expect(formatMetric(undefined)).toBe('–');
  });

  it('formats durations, dates, sizes, deltas and counts', () => {
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(90061)).toBe('1d 01h');
    expect(formatDuration(0.25)).toBe('250ms');
    expect(formatDuration(undefined)).toBe('–');
    expect(formatDateTime('2026-11-23T14:05:09Z')).toBe('23 Nov 2026, 14:05 UTC');
    expect(formatRelative('2026-11-20T00:00:00Z', new Date('2026-11-23T00:00:00Z'))).toBe('3 days ago');
    expect(formatRelative('2026-11-23T00:00:00Z', new Date('2026-11-23T00:00:10Z'))).toBe('just now');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(98_000_000)).toBe('93 MiB');
    expect(formatDelta(0.95, 0.9)).toBe('+0.05 (+5.6 %)');
    expect(plural(1, 'run')).toBe('1 run');
    expect(plural(1200, 'run')).toBe('1,200 runs');
  });

  it('never throws and never returns an empty string for any number', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(formatNumber(value).length).toBeGreaterThan(0);
        expect(formatMetric(value, { format: 'percent' }).length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('url', () => {
  it('joins paths to any spelling of the base path', () => {
    for (const base of ['/sub', 'sub/', '/sub/', ' /sub// ']) expect(joinBase(base, '/r/x/')).toBe('/sub/r/x/');
    expect(joinBase('/', '/')).toBe('/');
    expect(normalizeBase(undefined)).toBe('/');
    expect(normalizeBase('/a/b')).toBe('/a/b/');
  });

  it('links commits on github.com only', () => {
    expect(githubRepo('git@github.com:acme/ml.git')).toBe('acme/ml');
    expect(githubRepo('https://github.com/acme/ml')).toBe('acme/ml');
    expect(githubRepo('https://token@github.com/acme/ml.git')).toBe('acme/ml');
    expect(githubRepo('https://gitlab.com/acme/ml.git')).toBeUndefined();
    expect(githubRepo('https://github.com.evil.com/acme/ml')).toBeUndefined();
    expect(commitUrl('git@github.com:acme/ml.git', 'abc1234')).toBe('https://github.com/acme/ml/commit/abc1234');
    expect(commitUrl('git@github.com:acme/ml.git', '"><script>')).toBeUndefined();
  });

  it('builds object URLs in the store layout', () => {
    const sha = 'ab'.repeat(32);
    expect(objectUrl('https://cdn.example.com/store/', sha)).toBe(`https://cdn.example.com/store/sha256/ab/${sha.slice(2)}`);
    expect(objectUrl(undefined, sha)).toBeUndefined();
  });
});

describe('renderMarkdown', () => {
  it('keeps formatting and drops scripts, handlers and javascript: links', () => {
    const html = renderMarkdown(
      '**b** [x](javascript:alert(1)) [y](https://e.com) <script>alert(1)</script><img src=x onerror=alert(1)><iframe src="https://e.com"></iframe>',
    );
    expect(html).toContain('<strong>b</strong>');
    expect(html).toContain('<a href="https://e.com" rel="nofollow noopener noreferrer">y</a>');
    expect(html).not.toMatch(/script|onerror|javascript:|iframe|<img/);
  });

  it("keeps images from the store's public origin and shifts headings below the page sections", () => {
    const html = renderMarkdown('# Title\n\n![plot](https://objects.example.com/sha256/ab/cd.png)', 'https://objects.example.com');
    expect(html).toContain('<h3>Title</h3>');
    expect(html).toContain('<img src="https://objects.example.com/sha256/ab/cd.png" alt="plot" />');
  });

  it.each([
    ['any other https host', '![plot](https://tracker.example.net/p.png)', 'https://objects.example.com'],
    ['a look-alike host', '![plot](https://objects.example.com.evil.net/p.png)', 'https://objects.example.com'],
    ['another scheme of the same host', '![plot](http://objects.example.com/p.png)', 'https://objects.example.com'],
    ['a raw HTML image', '<img src="https://tracker.example.net/p.png" alt="plot">', 'https://objects.example.com'],
    ['any host when no publicUrl is set', '![plot](https://objects.example.com/p.png)', undefined],
  ])('turns an image from %s into a link, so nothing loads', (_name, text, origin) => {
    const html = renderMarkdown(text, origin);
    expect(html).not.toContain('<img');
    expect(html).toMatch(/<a href="https?:\/\/[^"]+" rel="nofollow noopener noreferrer" class="note-image-link">image: plot<\/a>/);
  });
});

describe('run view', () => {
  it('shows params flattened, sorted, with numbers exactly as written', () => {
    expect(paramRows({ optim: { lr: 1e-5, name: 'adam' }, layers: [64, 64], a: null })).toEqual([
      { key: 'a', value: 'null', long: false },
      { key: 'layers', value: '[64,64]', long: true },
      { key: 'optim.lr', value: '0.00001', long: false },
      { key: 'optim.name', value: 'adam', long: false },
    ]);
  });
});

describe('charts', () => {
  const series = { step: [0, 10, 20, 30], value: [2.5, 1.2, 0.6, Number.NaN] };

  it('renders the same SVG for the same data, with an accessible label', () => {
    const a = renderSeriesChart(series, { name: 'train/loss' });
    expect(a).toBe(renderSeriesChart(series, { name: 'train/loss' }));
    expect(a).toMatch(/^<svg[^>]*aria-label="train\/loss by step"/);
    expect(a).not.toContain('<style>');
    expect(a).not.toMatch(/^<svg[^>]* (width|height|style)=/);
    expect(a).toContain('last 0.6');
  });

  it('offers a log scale only for positive series spanning at least 5x', () => {
    expect(canLogScale(series)).toBe(false);
    expect(canLogScale({ step: [0, 1], value: [5, 1] })).toBe(true);
    expect(canLogScale({ step: [0, 1], value: [5, 0] })).toBe(false);
  });

  it('keys cached run assets by run content and chart style, and keeps only the runs built', () => {
    expect(chartsKey('h1', 'plot')).not.toBe(chartsKey('h2', 'plot'));
    expect(chartsKey('h1', 'plot')).not.toBe(chartsKey('h1', 'compact'));
    const built = new Set(['h1']);
    const keys = [chartsKey('h1', 'plot'), compareKey('h1'), seriesKey('h1'), chartsKey('h2', 'compact'), compareKey('h2'), seriesKey('h2')];
    expect(keys.filter((key) => isKeyOfRuns(key, built))).toEqual([chartsKey('h1', 'plot'), compareKey('h1'), seriesKey('h1')]);
  });
});

describe('charts of hostile series', () => {
  it('renders a million-point series with non-monotonic steps without overflowing the stack', () => {
    const n = 1_000_000;
    const step = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const value = Array.from({ length: n }, (_, i) => 1 + (i % 1000));
    expect(canLogScale({ step, value })).toBe(true);
    const svg = renderSeriesChart({ step, value }, { name: 'huge' });
    expect(svg.length).toBeLessThan(40_000);
    expect(svg).toContain('min 1');
  });
});

describe('home page activity', () => {
  it('counts runs per week up to the build time, oldest week first', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const counts = weeklyActivity(
      ['2026-11-23T00:00:00Z', '2026-11-20T00:00:00Z', '2026-11-10T00:00:00Z', '2025-01-01T00:00:00Z', '2026-12-01T00:00:00Z'],
      now,
      4,
    );
    expect(counts).toEqual([0, 0, 1, 2]);
  });

  it('draws one bar per week, empty weeks as a baseline', () => {
    const svg = activitySvg([0, 3, 6]);
    expect(svg.match(/<rect/g)).toHaveLength(3);
    expect(svg).toContain('class="zero"');
    expect(svg).toContain('height="28" rx="1"/>');
  });
});

describe('chart smoothing', () => {
  it('averages the y of each point exponentially and restarts after a gap', () => {
    expect(smoothPath('M0,10L1,0L2,10', 0.5)).toBe('M0,10L1,5L2,7.5');
    expect(smoothPath('M0,10L1,0M5,100L6,0', 0.5)).toBe('M0,10L1,5M5,100L6,50');
    expect(smoothPath('M0,10L1,0', 0)).toBe('M0,10L1,0');
  });
});

describe('run view limits', () => {
  it('caps the params table and long notes so hostile runs keep pages small', () => {
    const params = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`p${String(i).padStart(4, '0')}`, i]));
    const record = RunRecordSchema.parse({
      schema: 'runpages/run@1',
      id: 'big',
      name: 'big',
      project: 'p',
      status: 'finished',
      created: '2026-11-01T00:00:00Z',
      params,
      notes: 'x'.repeat(MAX_NOTES + 10),
    });
    const run = { record, folder: 'runs/p/2026-11/big', hash: 'h', seriesNames: [], children: [] };
    const view = runView(run, {}, { runById: new Map([['big', run]]), shellKey: 's' });
    expect(view.params).toHaveLength(MAX_ROWS);
    expect(view.hidden).toEqual({ metrics: 0, params: 500 });
    expect(view.notes?.text).toHaveLength(MAX_NOTES);
    expect(view.notes?.truncated).toBe(true);
  });
});
