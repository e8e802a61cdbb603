/**
 * The boundary check (scripts/boundaries.ts) fails when a module crosses a stated boundary, directly
 * or through a neighbour, and only then: type-only imports and allowed packages pass.
 */
import { describe, expect, it } from 'vitest';
import { checkBoundaries, formatViolation, importsOf } from '../scripts/boundaries.ts';

const check = (files: Record<string, string>) => checkBoundaries(new Map(Object.entries(files))).map(formatViolation);

describe('the boundary check', () => {
  it('fails when a pure module imports node:fs, or reaches the branch', () => {
    expect(check({ 'src/query/evaluate.ts': "import { readFileSync } from 'node:fs';\n" })).toEqual([
      expect.stringMatching(/^pure-core: src\/query\/evaluate\.ts -> node:fs \(/),
    ]);
    expect(check({ 'src/report/summary.ts': "const git = await import('../branch/read.ts');\n", 'src/branch/read.ts': '' })).toEqual([
      expect.stringMatching(/^pure-core: src\/report\/summary\.ts -> src\/branch\/read\.ts/),
    ]);
  });

  it('follows the site through its neighbours to git, naming the whole chain', () => {
    const files = {
      'site/src/pages/index.astro': "---\nimport { getSiteData } from '../../../src/site/data.ts';\n---\n",
      'src/site/data.ts': "export { loadRuns } from '../index/load.ts';\n",
      'src/index/load.ts': "import { readBranch } from '../branch/read.ts';\n",
      'src/branch/read.ts': '',
    };
    expect(check(files)).toEqual([
      expect.stringMatching(/^site-reads-built-data: site\/src\/pages\/index\.astro -> src\/site\/data\.ts -> src\/index\/load\.ts -> src\/branch\/read\.ts/),
    ]);
  });

  it('keeps browser scripts to browser-safe modules and allowed packages', () => {
    const files = {
      'site/src/scripts/table/main.ts': "import MiniSearch from 'minisearch';\nimport { format } from '../../../../src/site/format.ts';\n",
      'src/site/format.ts': "import { z } from 'zod';\nimport { hostname } from 'node:os';\n",
    };
    expect(check(files)).toEqual([
      expect.stringMatching(/^browser-safe: site\/src\/scripts\/table\/main\.ts -> src\/site\/format\.ts -> zod/),
      expect.stringMatching(/^browser-safe: site\/src\/scripts\/table\/main\.ts -> src\/site\/format\.ts -> node:os/),
    ]);
  });

  it('passes type-only imports, which are erased', () => {
    expect(importsOf("import type { Config } from '../config.ts';\nimport { type A, type B } from './x.ts';\nexport type { C } from './c.ts';\n")).toEqual([]);
    expect(importsOf("import { type A, b } from './x.ts';\nimport './side-effect.ts';\n")).toEqual(['./x.ts', './side-effect.ts']);
    expect(check({ 'src/run/schema.ts': "import type { Stats } from 'node:fs';\n" })).toEqual([]);
  });
});
