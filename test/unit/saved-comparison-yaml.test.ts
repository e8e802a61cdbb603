import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSavedComparison } from '../../src/report/saved.ts';
import { githubNewFileUrl, savedComparisonYaml, slugOf, SLUG_PATTERN } from '../../src/report/saved-file.ts';

const IDS = ['01JAVISION0000000000000001', '01JAVISION0000000000000002', '01JAVISION0000000000000003'];

describe('Save as comparison', () => {
  it('writes YAML that reads back as the same comparison, whatever the title', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }).filter((t) => t.trim() !== ''),
        fc.integer({ min: 0, max: 2 }),
        (title, b) => {
          const text = savedComparisonYaml({ title, runs: IDS, baseline: IDS[b] });
          const saved = parseSavedComparison(text, 'comparisons/x.yaml', IDS);
          expect(saved.title).toBe(title.trim());
          expect(saved.runIds).toEqual(IDS);
          expect(saved.baselineId).toBe(IDS[b]);
        },
      ),
    );
  });

  it('leaves out a baseline that is the first run, and keeps a description', () => {
    const text = savedComparisonYaml({ title: 'lr: 0.1 # vs "0.01"', runs: IDS.slice(0, 2), baseline: IDS[0], description: 'Lower is better.' });
    expect(text).not.toMatch(/^baseline:/m);
    expect(parseSavedComparison(text, 'comparisons/lr.yaml', IDS)).toMatchObject({ title: 'lr: 0.1 # vs "0.01"', description: 'Lower is better.' });
  });

  it('makes URL slugs from titles', () => {
    expect(slugOf('CIFAR-10: best vs. baseline (Sept)')).toBe('cifar-10-best-vs-baseline-sept');
    expect(slugOf('Über größe')).toBe('uber-gro-e');
    expect(slugOf('—')).toBe('comparison');
    fc.assert(fc.property(fc.string(), (title) => SLUG_PATTERN.test(slugOf(title))));
  });

  it("fills GitHub's new-file page", () => {
    const url = new URL(githubNewFileUrl('https://github.com/acme/ml', 'feature/x', 'comparisons/a b.yaml', 'title: "a&b"\n'));
    expect(url.pathname).toBe('/acme/ml/new/feature/x');
    expect(url.searchParams.get('filename')).toBe('comparisons/a b.yaml');
    expect(url.searchParams.get('value')).toBe('title: "a&b"\n');
  });
});
