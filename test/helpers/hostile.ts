/**
 * The hostile corpus (test/fixtures/hostile/): its expectations, read from the README's tables, and a
 * temporary copy with the generated large cases added.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOSTILE_DIR = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));

export interface HostileCase {
  /** `<project>/<yyyy-mm>/<id>` under the corpus. */
  folder: string;
  id: string;
  outcome: 'skipped' | 'shown';
  /** For skipped runs: text the report must show for the file. */
  reason: string;
  /** Written by {@link writeHostileCorpus} with `large`, not committed. */
  generated: boolean;
}

/** Every row of the README's tables. */
export function hostileCases(): HostileCase[] {
  const readme = readFileSync(join(HOSTILE_DIR, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| ([\w.-]+\/\d{4}-\d{2}\/[\w.-]+) \| (skipped|shown) \| (.*) \|$/gm)];
  return rows.map((row) => ({
    folder: row[1] as string,
    id: (row[1] as string).split('/')[2] as string,
    outcome: row[2] as 'skipped' | 'shown',
    reason: row[3] as string,
    generated: !existsSync(join(HOSTILE_DIR, row[1] as string)),
  }));
}

/** Copies the corpus to `dir` and writes the large cases the README lists as generated. */
export function writeHostileCorpus(dir: string, options: { large: boolean }): void {
  cpSync(HOSTILE_DIR, dir, { recursive: true, filter: (path) => !path.endsWith('README.md') });
  if (!options.large) return;
  const record = (id: string, extra: string) =>
    `schema: runpages/run@1\nid: ${id}\nname: ${id}\nproject: huge\nstatus: finished\ncreated: 2026-11-20T10:00:00Z\nmetrics:\n  acc: 0.9\n${extra}`;
  const put = (id: string, runYaml: string, series?: string) => {
    const folder = join(dir, 'huge', '2026-11', id);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'run.yaml'), runYaml);
    if (series !== undefined) writeFileSync(join(folder, 'series.json'), series);
  };
  const paragraph = 'Lorem ipsum **dolor** sit amet, <b>consectetur</b> [link](https://example.com) adipiscing elit.\n\n';
  put('huge-notes', record('huge-notes', `notes: ${JSON.stringify(paragraph.repeat(Math.ceil(10_000_000 / paragraph.length)))}\n`));
  const params = Array.from({ length: 100_000 }, (_, i) => `  p${i}: ${i % 7 === 0 ? `"v${i}"` : i / 3}`).join('\n');
  put('many-params', record('many-params', `params:\n${params}\n`));
  const points = 2_000_000;
  const step = Array.from({ length: points }, (_, i) => i);
  const value = step.map((i) => Math.sin(i / 1000) + (i % 97) / 97);
  put(
    'million-points',
    record('million-points', `series:\n  loss:\n    points: ${points}\n    stored: ${points}\n`),
    JSON.stringify({ schema: 'runpages/series@1', series: { loss: { step, value } } }),
  );
}
