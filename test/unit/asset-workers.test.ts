/** The asset pool's size: one worker per core, at most 8, unless RUNPAGES_WORKERS pins it. */
import { describe, expect, it } from 'vitest';
import { assetWorkerCount } from '../../src/site/run-assets.ts';

describe('assetWorkerCount', () => {
  it('is one per core, between 1 and 8', () => {
    expect(assetWorkerCount({}, 1)).toBe(1);
    expect(assetWorkerCount({}, 2)).toBe(2);
    expect(assetWorkerCount({}, 4)).toBe(4);
    expect(assetWorkerCount({}, 32)).toBe(8);
  });

  it('follows RUNPAGES_WORKERS, where 0 derives everything inline', () => {
    expect(assetWorkerCount({ RUNPAGES_WORKERS: '3' }, 2)).toBe(3);
    expect(assetWorkerCount({ RUNPAGES_WORKERS: '0' }, 2)).toBe(0);
    expect(assetWorkerCount({ RUNPAGES_WORKERS: 'many' }, 2)).toBe(2);
  });
});
