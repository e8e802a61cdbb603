/**
 * Media of compared runs (src/site/media-compare.ts, src/report/media-links.ts): rows per key with a
 * column per run, the nearest step, confusion differences, overlaid curves, and the image links of
 * `compare --markdown`.
 */
import { describe, expect, it } from 'vitest';
import { comparisonMarkdown } from '../../src/cli/compare-text.ts';
import { compareRuns } from '../../src/report/compare.ts';
import { comparisonImageLinks } from '../../src/report/media-links.ts';
import type { MediaManifest } from '../../src/run/media.ts';
import type { RunRecord } from '../../src/run/schema.ts';
import { compareMedia, nearestBlock } from '../../src/site/media-compare.ts';
import { curveChart } from '../../src/site/media-charts.ts';
import type { RunMediaView } from '../../src/site/media-view.ts';

const SHA = (n: number): string => String(n).repeat(64).slice(0, 64);

function view(groups: RunMediaView['groups']): RunMediaView {
  return { groups, key: 'k' };
}

describe('compareMedia', () => {
  const views = new Map<string, RunMediaView>([
    [
      'a',
      view([
        { kind: 'image', key: 'val/samples', items: [0, 1, 2].map((step) => ({ step, sha256: SHA(step), src: `media/${SHA(step)}.png` })) },
        {
          kind: 'confusion_matrix',
          key: 'cm',
          items: [
            {
              svg: '<svg/>',
              confusion: {
                labels: ['x', 'y'],
                matrix: [
                  [8, 2],
                  [4, 6],
                ],
              },
            },
          ],
        },
        { kind: 'curve', key: 'roc', items: [{ svg: '<svg/>', curve: { curve: 'roc', x: [0, 1], y: [0, 1] } }] },
      ]),
    ],
    [
      'b',
      view([
        { kind: 'image', key: 'val/samples', items: [0, 5].map((step) => ({ step, sha256: SHA(step + 3), src: `media/${SHA(step + 3)}.png` })) },
        {
          kind: 'confusion_matrix',
          key: 'cm',
          items: [
            {
              svg: '<svg/>',
              confusion: {
                labels: ['x', 'y'],
                matrix: [
                  [9, 1],
                  [2, 8],
                ],
              },
            },
          ],
        },
        { kind: 'curve', key: 'roc', items: [{ svg: '<svg/>', curve: { curve: 'roc', x: [0, 0.1, 1], y: [0, 0.8, 1] } }] },
        { kind: 'text', key: 'only-b', items: [{ step: 1, text: 'hi' }] },
      ]),
    ],
  ]);
  const runs = [
    { id: 'a', name: 'A' },
    { id: 'b', name: 'B' },
  ];
  const media = compareMedia(runs, views, 0, { overlay: curveChart });

  it('a row per key (sorted), a column per run, the steps of every run', () => {
    expect(media.rows.map((row) => [row.key, row.kind, row.columns.map((column) => column.blocks.length)])).toEqual([
      ['cm', 'confusion_matrix', [1, 1]],
      ['only-b', 'text', [0, 1]],
      ['roc', 'curve', [1, 1]],
      ['val/samples', 'image', [3, 2]],
    ]);
    expect(media.rows[3]!.steps).toEqual([0, 1, 2, 5]);
    expect(media.steps).toEqual([0, 1, 2, 5]);
  });

  it('the nearest step: the same one, else the closest, the earlier on a tie', () => {
    const blocks = [{ step: 0 }, { step: 10 }];
    expect(nearestBlock(blocks, 0)).toBe(0);
    expect(nearestBlock(blocks, 6)).toBe(1);
    expect(nearestBlock(blocks, 5)).toBe(0);
    expect(nearestBlock([{}], 7)).toBe(0);
    expect(nearestBlock([], 7)).toBe(-1);
  });

  it('confusion matrices: each run minus the baseline, as shares of each true class', () => {
    const [difference] = media.rows[0]!.differences!;
    expect(difference!.baseline).toBe('A');
    expect(difference!.runs.map((run) => [run.name, run.delta.map((row) => row.map((v) => Math.round(v * 100) / 100))])).toEqual([
      [
        'B',
        [
          [0.1, -0.1],
          [-0.2, 0.2],
        ],
      ],
    ]);
  });

  it('curves: one overlaid SVG per step, in run colours', () => {
    const overlays = media.rows[2]!.overlays!;
    expect(overlays).toHaveLength(1);
    expect(overlays[0]!.svg).toContain('#0072B2');
    expect(overlays[0]!.svg).toContain('#E69F00');
  });
});

describe('compare --markdown images', () => {
  const manifest = (entries: Array<{ key: string; step?: number; sha: number; display?: boolean }>): MediaManifest => ({
    schema: 'runpages/media@1',
    left_out: [],
    media: entries.map(({ key, step, sha, display }) => ({
      key,
      kind: 'image',
      ...(step === undefined ? {} : { step }),
      sha256: SHA(sha),
      bytes: 10,
      mime: 'image/png',
      ...(display === false ? {} : { display: { file: `media/${SHA(sha + 1)}.png`, sha256: SHA(sha + 1), bytes: 10 } }),
    })),
  });
  const manifests = [
    manifest([
      { key: 'val/samples', step: 1, sha: 1 },
      { key: 'val/samples', step: 2, sha: 2 },
    ]),
    manifest([{ key: 'val/samples', step: 9, sha: 5, display: false }]),
    undefined,
  ];

  it("links each run's last image through the site's media/ path, else the store's publicUrl", () => {
    expect(comparisonImageLinks(manifests, { siteUrl: 'https://team.example/ml/', objectUrl: (sha) => `https://store.example/${sha}` })).toEqual([
      {
        key: 'val/samples',
        runs: [{ step: 2, url: `https://team.example/ml/media/${SHA(3)}.png` }, { step: 9, url: `https://store.example/${SHA(5)}` }, undefined],
      },
    ]);
    expect(comparisonImageLinks(manifests, {})[0]!.runs).toEqual([{ step: 2 }, { step: 9 }, undefined]);
  });

  it('the Markdown shows them in a table, names escaped', () => {
    const record = (id: string, name: string): RunRecord =>
      ({
        id,
        name,
        project: 'p',
        status: 'finished',
        created: '2026-01-01T00:00:00Z',
        params: {},
        metrics: {},
        tags: [],
        artifacts: [],
        series: {},
        data: [],
      }) as unknown as RunRecord;
    const comparison = compareRuns([{ record: record('01A', 'base <b>') }, { record: record('01B', 'new') }, { record: record('01C', 'none') }]);
    const links = comparisonImageLinks(manifests, { siteUrl: 'https://team.example/ml' });
    const text = comparisonMarkdown(comparison, undefined, links);
    expect(text).toContain(
      `| \`val/samples\` | ![val/samples, base \\<b\\>, step 2](https://team.example/ml/media/${SHA(3)}.png) | step 9 (no public copy) | – |`,
    );
  });
});
