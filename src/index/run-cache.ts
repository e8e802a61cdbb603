/**
 * Validated run records kept between commands, so reading a branch parses only the runs that are new
 * since the last read: parsing run.yaml is most of what `ls` and `show` do (2.9 s of `ls` at 2,000
 * runs). Entries are keyed by the run's folder and its run.yaml blob id, so a changed or moved run is
 * parsed again; the file lives in the repository's git directory (`.git/runpages/records.v8`), which
 * no `git status` shows, and names the code that made it, so records read by another version of the
 * reader are never reused.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { RunRecord } from '../run/schema.ts';

/**
 * Changes with the code that turns files into records (the schema, the YAML reader, the limits,
 * validation): a record read by an older reader (js-yaml read '0b101' as 5) is not reused.
 */
export function parsedRunFormat(kind: string): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const hash = createHash('sha256');
  for (const module of ['schema', 'yaml', 'limits', 'validate', 'media'])
    hash.update(readFileSync(fileURLToPath(new URL(`../run/${module}.${extension}`, import.meta.url))));
  return `runpages/${kind}@1:${hash.digest('hex').slice(0, 16)}`;
}

interface CachedRecord {
  record: RunRecord;
  /** The loader's hash of the run (see LoadedRun.hash). */
  hash: string;
}

/** Records by `<folder>\0<run.yaml blob id>`. */
export class RecordCache {
  readonly file: string;
  private readonly entries: Map<string, CachedRecord>;
  private changed = false;

  private constructor(file: string, entries: Map<string, CachedRecord>) {
    this.file = file;
    this.entries = entries;
  }

  /**
   * The cache of the repository whose git directory is `gitDir` (relative paths from `cwd`); empty
   * when there is none yet or it is unreadable or from other code.
   */
  static open(cwd: string, gitDir: string): RecordCache {
    const file = join(isAbsolute(gitDir) ? gitDir : join(cwd, gitDir), 'runpages', 'records.v8');
    try {
      const data = deserialize(readFileSync(file)) as { format?: unknown; runs?: unknown };
      if (data.format === parsedRunFormat('records') && data.runs instanceof Map) return new RecordCache(file, data.runs as Map<string, CachedRecord>);
    } catch {
      // none yet, or unreadable: parse everything
    }
    return new RecordCache(file, new Map());
  }

  static key(folder: string, blob: string): string {
    return `${folder}\0${blob}`;
  }

  get(key: string): CachedRecord | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: CachedRecord): void {
    this.entries.set(key, entry);
    this.changed = true;
  }

  /** Forgets every entry but `keys` (the runs the branch holds now). */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) {
      if (keys.has(key)) continue;
      this.entries.delete(key);
      this.changed = true;
    }
  }

  /**
   * Writes the cache when it changed (write then rename: commands may run side by side). A cache
   * that cannot be written only costs the next command its speed, so failures are ignored.
   */
  save(): void {
    if (!this.changed) return;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, serialize({ format: parsedRunFormat('records'), runs: this.entries }));
      renameSync(temp, this.file);
      this.changed = false;
    } catch {
      // read-only repository or full disk: the next read parses again
    }
  }
}
