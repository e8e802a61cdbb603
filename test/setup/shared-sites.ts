/**
 * Vitest global setup of the integration tier: one folder per test run where the shared site
 * fixtures are built (test/helpers/shared-site.ts), handed to the test files with `provide`, so a
 * fixture that several files read is built once per run, not once per file. Removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder the shared site fixtures of this run are built in. */
    sharedSites: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'runpages-shared-sites-'));
  project.provide('sharedSites', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
