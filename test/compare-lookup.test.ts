/**
 * The compare page's sharded run lookup (src/index/run-lookup.ts): resolving a reference from only
 * the shards it names gives exactly what resolving it against every run gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRunpagesError } from '../src/errors.ts';
import { resolveRunIds } from '../src/report/compare.ts';
import { buildRunLookup, LOOKUP_SHARD, lookupFiles, mergeShards, type LookupRun } from '../src/index/run-lookup.ts';

/** What resolveRunIds answers: the id, or the error's code and message. */
function outcome(reference: string, ids: string[], names: string[]): string {
  try {
    return resolveRunIds([reference], ids, names)[0]!;
  } catch (error) {
    if (!isRunpagesError(error)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

function resolveSharded(runs: LookupRun[], reference: string): { answer: string; files: number } {
  const { manifest, shards } = buildRunLookup(runs);
  const files = lookupFiles(manifest, reference);
  const merged = mergeShards(files.map((file) => shards.get(file)!));
  return { answer: outcome(reference, merged.ids, merged.names), files: files.length };
}

/** ULID-like ids: a shared time prefix, then random characters, as a real branch has. */
function runsOf(n: number, names: (i: number) => string): LookupRun[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `01JC${(i * 7919).toString(36).toUpperCase().padStart(6, '0')}${(i * 104729).toString(36).toUpperCase().padStart(8, '0')}`,
    name: names(i),
    project: ['cifar', 'llm', 'churn'][i % 3]!,
  }));
}

describe('the sharded run lookup of /compare/', () => {
  const runs = runsOf(5000, (i) => `run-${i % 2500}`);
  const all = { ids: runs.map((r) => r.id), names: runs.map((r) => r.name) };

  it('resolves full ids, prefixes and names from one or two shards, as resolving against all runs does', () => {
    const { manifest, shards } = buildRunLookup(runs);
    expect(manifest.count).toBe(5000);
    expect(manifest.ids).toHaveLength(Math.ceil(5000 / LOOKUP_SHARD));
    expect([...shards.values()].every((shard) => shard.ids.length <= LOOKUP_SHARD)).toBe(true);
    for (const reference of [runs[0]!.id, runs[4321]!.id, runs[4321]!.id.slice(0, 12), 'run-17', 'run-2499', 'nobody', '01JCZZZZ']) {
      const sharded = resolveSharded(runs, reference);
      expect(sharded.answer).toBe(outcome(reference, all.ids, all.names));
      expect(sharded.files).toBeLessThanOrEqual(4);
    }
    expect(resolveSharded(runs, 'run-17').answer).toMatch(/^ambiguous-run: 2 runs are named "run-17"/);
  });

  it('finds every run of a name that spans shards', () => {
    const same = runsOf(3000, (i) => (i < 2500 ? 'twin' : `solo-${i}`));
    const sharded = resolveSharded(same, 'twin');
    expect(sharded.files).toBeGreaterThan(2);
    expect(sharded.answer).toMatch(/^ambiguous-run: 2500 runs are named "twin"/);
  });

  it('agrees with the unsharded lookup for any reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4999 }), fc.integer({ min: 1, max: 26 }), (i, length) => {
        const reference = runs[i]!.id.slice(0, length);
        expect(resolveSharded(runs, reference).answer).toBe(outcome(reference, all.ids, all.names));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps project names once per shard', () => {
    const { shards } = buildRunLookup(runs);
    const shard = shards.get('ids/0.json')!;
    expect(shard.projectNames).toEqual(['churn', 'cifar', 'llm']);
    expect(mergeShards([shard]).projects.slice(0, 3).sort()).toEqual(['churn', 'cifar', 'llm']);
  });
});
