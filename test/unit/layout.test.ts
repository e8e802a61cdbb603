/**
 * The branch layout (src/run/layout.ts): a run's bucket depends on its id alone and spreads ids
 * evenly, and paths of both layouts are told apart.
 */
import { describe, expect, it } from 'vitest';
import { bucketProblem, canonicalFolder, parseRunFolder, runBucket, runFileOf, runFolder, runFolderOfPath } from '../../src/run/layout.ts';

describe('runBucket', () => {
  it('is two hex digits of the FNV-1a hash of the id, the same in every writer', () => {
    // FNV-1a 32 of "" is 0x811c9dc5 and of "a" is 0xe40c292c (the published test vectors).
    expect(runBucket('')).toBe('c5');
    expect(runBucket('a')).toBe('2c');
    expect(runBucket('01JC1A2B3C4D5E6F7G8H9J0K1M')).toMatch(/^[0-9a-f]{2}$/);
  });

  it('spreads ULIDs of one second over all 256 buckets, none above twice its share', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 25_600; i++) {
      const id = `01JDV0A0${i.toString(32).toUpperCase().padStart(18, '0')}`;
      counts.set(runBucket(id), (counts.get(runBucket(id)) ?? 0) + 1);
    }
    expect(counts.size).toBe(256);
    expect(Math.max(...counts.values())).toBeLessThan(200);
  });
});

describe('run paths', () => {
  const record = { project: 'vision', created: '2026-11-30T23:59:59Z', id: 'r1' };

  it('puts a run in its month and bucket', () => {
    expect(runFolder(record)).toBe(`runs/vision/2026-11/${runBucket('r1')}/r1`);
  });

  it('reads folders and files of both layouts', () => {
    expect(parseRunFolder('runs/vision/2026-11/r1')).toEqual({ folder: 'runs/vision/2026-11/r1', project: 'vision', month: '2026-11', id: 'r1' });
    expect(parseRunFolder(runFolder(record))).toMatchObject({ project: 'vision', month: '2026-11', bucket: runBucket('r1'), id: 'r1' });
    // Four segments are the old layout even when the id looks like a bucket.
    expect(runFileOf('runs/p/2026-11/ab/run.yaml')).toMatchObject({ id: 'ab', file: 'run.yaml' });
    expect(runFileOf('runs/p/2026-11/ab/x1/series.json')).toMatchObject({ bucket: 'ab', id: 'x1', file: 'series.json' });
    expect(runFileOf('runs/p/2026-11/zz/x1/run.yaml')).toBeUndefined(); // not a bucket name
    expect(runFileOf('runs/p/2026-11/ab/x1/notes.md')).toBeUndefined();
    expect(runFileOf('comparisons/a.yaml')).toBeUndefined();
    expect(runFolderOfPath('runs/p/2026-11/ab/x1/notes.md')?.folder).toBe('runs/p/2026-11/ab/x1');
    expect(runFolderOfPath('runs/p/2026-11/x1/notes.md')?.folder).toBe('runs/p/2026-11/x1');
  });

  it('names where a run belongs and when its bucket is wrong', () => {
    const old = parseRunFolder('runs/vision/2026-11/r1');
    expect(old && canonicalFolder(old)).toBe(runFolder(record));
    expect(old && bucketProblem(old)).toBeUndefined();
    const wrong = runBucket('r1') === '00' ? '01' : '00';
    const misplaced = parseRunFolder(`runs/vision/2026-11/${wrong}/r1`);
    expect(misplaced && bucketProblem(misplaced)).toBe(`is in bucket "${wrong}", but the id's bucket is "${runBucket('r1')}"`);
  });
});
