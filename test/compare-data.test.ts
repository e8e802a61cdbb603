/**
 * The per-run data of the ad hoc comparison (src/report/compare-data.ts): small enough for 100k runs
 * on Pages, and the same curves after unpacking.
 */
import { describe, expect, it } from 'vitest';
import { compareData, LEVELS, MAX_POINTS, packSeries, RUN_DATA_SHARD_RUNS, runDataShard, runDataShardCount, unpackSeries } from '../src/report/compare-data.ts';
import { encodeUlid } from '../src/record/id.ts';
import type { SeriesData } from '../src/run/schema.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';

/** A training curve of `n` points logged every 10 steps, about 3 s apart. */
function curve(n: number, seed: number): SeriesData {
  return {
    step: Array.from({ length: n }, (_, i) => i * 10),
    value: Array.from({ length: n }, (_, i) => 2.5 * Math.exp(-i / 200) + 0.05 * Math.sin(i * seed) + 0.1),
    time: Array.from({ length: n }, (_, i) => 1_763_000_000.25 + i * 3.1),
  };
}

describe('the comparison data of a run', () => {
  it('keeps four series of 1,000 points under 4 KB (plain rounded arrays were 6.4 KB)', () => {
    const record = parseRunRecord(
      parseYaml(
        'schema: runpages/run@1\nid: 01JC2CCCCC000000000000000C\nname: brave-otter-12\nproject: cifar\nstatus: finished\ncreated: 2026-11-01T10:00:00Z\nparams: { lr: 0.1, arch: resnet50 }\nmetrics: { val/acc: 0.941 }\nnotes: long text the comparison never shows\n',
        'run.yaml',
      ),
      'run.yaml',
    );
    const series = Object.fromEntries(['train/loss', 'val/loss', 'val/acc', 'lr'].map((name, k) => [name, curve(1000, k + 1)]));
    const body = JSON.stringify(compareData(record, series));
    expect(body.length).toBeLessThan(4096);
    expect(body).not.toContain('long text');
    expect(JSON.stringify(series).length).toBeGreaterThan(body.length * 10);
  });

  it('unpacks to the thinned curve: exact steps, last point kept, values within a level, times from 0', () => {
    const series = curve(1000, 3);
    const unpacked = unpackSeries(JSON.parse(JSON.stringify(packSeries(series))));
    expect(unpacked.step.length).toBeLessThanOrEqual(MAX_POINTS + 1);
    expect(unpacked.step.slice(0, 3)).toEqual([0, 100, 200]);
    expect(unpacked.step.at(-1)).toBe(9990);
    const kept = unpacked.step.map((step) => series.value[step / 10]!);
    const level = (Math.max(...kept) - Math.min(...kept)) / (LEVELS - 1);
    unpacked.step.forEach((step, i) => {
      expect(Math.abs(unpacked.value[i]! - kept[i]!)).toBeLessThanOrEqual(level / 2 + 1e-12);
      expect(unpacked.time![i]).toBeCloseTo((step / 10) * 3.1, 1);
    });
  });

  it('turns NaN and infinite values into null and back into NaN', () => {
    const packed = packSeries({ step: [1, 2, 3], value: [Number.NaN, Number.POSITIVE_INFINITY, 0.5] });
    expect(packed).toEqual({ step: [1, 3], value: { lo: 0.5, hi: 0.5, q: [null, null, 0] } });
    expect(unpackSeries(packed)).toEqual({ step: [1, 2, 3], value: [Number.NaN, Number.NaN, 0.5] });
  });
});

describe('run data shards', () => {
  it('grow in powers of two, about 32 runs each, so a new run rewrites one shard until the site doubles', () => {
    expect([1, 32, 33, 64, 65, 10_000, 100_000].map(runDataShardCount)).toEqual([1, 1, 2, 2, 4, 512, 4096]);
    expect(runDataShardCount(10_000) * RUN_DATA_SHARD_RUNS).toBeGreaterThanOrEqual(10_000);
  });

  it('spread a day of ULIDs evenly and put a run in the same shard on every build', () => {
    const count = runDataShardCount(10_000);
    const ids = Array.from({ length: 10_000 }, (_, i) =>
      encodeUlid(
        1_795_000_000_000 + i * 8_640,
        Array.from({ length: 16 }, (_, k) => (i * 7 + k * 13) % 32),
      ),
    );
    const sizes = new Array<number>(count).fill(0);
    for (const id of ids) sizes[runDataShard(id, count)]! += 1;
    expect(Math.max(...sizes)).toBeLessThan(RUN_DATA_SHARD_RUNS * 2.5);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    expect(runDataShard(ids[42]!, count)).toBe(runDataShard(ids[42]!, count));
  });
});
