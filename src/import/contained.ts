/**
 * Importers read only inside the folder being imported. An MLflow run's `artifact_uri` may name any
 * folder (`file:///home/me/.ssh`), and any file or folder in a store may be a symbolic link (an
 * `artifacts` link to `~/.aws`): following either would copy private keys into the store and list
 * them on the branch. Every path an importer opens is checked here first; what is refused is
 * reported by name and counted in the import summary, never read.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Dirent } from 'node:fs';

/** A path an importer would not read, and why. Listed and counted in the import summary. */
export interface Refused {
  source: string;
  reason: string;
}

const LINK_REASON = 'is a symbolic link; imports never follow links (copy the files in instead)';

/**
 * The folder being imported, by its real path, with the paths refused so far. One per scan or run.
 *
 * @example
 * const root = await SourceRoot.open('mlruns');
 * if (await root.allows(join(run, 'artifacts'))) await copyFrom(join(run, 'artifacts'));
 * summary.refused.push(...root.refused);
 */
export class SourceRoot {
  readonly path: string;
  readonly real: string;
  readonly refused: Refused[] = [];

  private constructor(path: string, real: string) {
    this.path = path;
    this.real = real;
  }

  static async open(path: string): Promise<SourceRoot> {
    return new SourceRoot(path, await realpath(path));
  }

  /** The same root with an empty refusal list (each run reports its own). */
  fork(): SourceRoot {
    return new SourceRoot(this.path, this.real);
  }

  /**
   * True when `path` exists, is not a symbolic link and really lies inside the root (no linked
   * folder above it leads out). A refused path is recorded; a missing one is simply false.
   */
  async allows(path: string): Promise<boolean> {
    const info = await lstat(path).catch(() => undefined);
    if (!info) return false;
    if (info.isSymbolicLink()) return this.refuse(path, LINK_REASON);
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined) return false;
    if (real !== this.real && !real.startsWith(this.real + sep))
      return this.refuse(path, `is outside ${this.path} (it resolves to ${real}); imports read only inside the folder imported`);
    return true;
  }

  /** Refuses a path given from outside (an `artifact_uri`) that does not lie inside the root. */
  refuse(path: string, reason: string): false {
    this.refused.push({ source: path, reason });
    return false;
  }

  /** The entries of a folder the walk may enter: symbolic links among them are refused, never followed. */
  async entries(folder: string): Promise<Dirent[]> {
    const out: Dirent[] = [];
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) this.refuse(join(folder, entry.name), LINK_REASON);
      else out.push(entry);
    }
    return out;
  }
}
