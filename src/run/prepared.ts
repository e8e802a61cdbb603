/**
 * A run ready to publish: what goes on the branch and what must be in the object store first.
 * Produced by the recorder (`record`, `commit`, the TypeScript API) and by importers; consumed by
 * the branch writer. Objects are uploaded before the commit so the branch never points at a
 * missing object.
 */
import type { RunRecord } from './schema.ts';

export interface PendingObject {
  sha256: string;
  size: number;
  /** Where the bytes are: a local file (streamed) or a buffer in memory. */
  source: { path: string } | { data: Uint8Array };
}

export interface PreparedRun {
  record: RunRecord;
  /** Files of the run's folder on the branch, by file name (`run.yaml`, `series.json`, `media.json`), as text. */
  files: Record<string, string>;
  /** The run's `media/` folder on the branch: display copies by file name (`<sha256>.<ext>`, docs/design.md#media). */
  media?: Record<string, Uint8Array>;
  objects: PendingObject[];
  /**
   * A change made after the fact (`runpages edit`, `archive`): its commit carries a
   * `Runpages-Edited: <id>` trailer, which the site reads back as "edited by … on …".
   */
  edited?: boolean;
}

/** Where a prepared run goes on the branch: see layout.ts. */
export { runFolder } from './layout.ts';
