import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { formatState, viewState } from '../../site/src/scripts/table/state.ts';

describe('named views of the run table (projects.<p>.views)', () => {
  it('become the URL state they stand for', () => {
    const config = parseConfig({
      projects: {
        vision: {
          views: [
            { name: 'Best ViTs', filter: "params.arch = 'vit'", sort: ['-metrics.val/acc', 'name'], group: 'params.lr', columns: ['name', 'metrics.val/acc'] },
          ],
        },
      },
    });
    const view = config.projects.vision!.views![0]!;
    expect(formatState(viewState(view))).toBe("?filter=params.arch%20%3D%20'vit'&sort=-metrics.val/acc,name&group=params.lr&cols=name,metrics.val/acc");
  });

  it('fail the config with the query error and the field when a filter does not parse', () => {
    expect(() => parseConfig({ projects: { vision: { views: [{ name: 'Broken', filter: 'metrics.acc >> 1' }] } } })).toThrow(
      /projects\.vision\.views\.0\.filter.*is not a valid query/s,
    );
    expect(() => parseConfig({ projects: { vision: { views: [{ name: 'Typo', fliter: 'x' }] } } })).toThrow(/fliter/);
  });
});
