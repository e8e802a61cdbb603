/**
 * Site fixtures shared by several test files: the first file that asks for one builds it (the real
 * CLI, a real Astro build) in the run's shared folder (test/setup/shared-sites.ts); the others, in
 * this worker or another, wait for that build and read the same output. Test files only read it.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { type CliResult, runCli } from './cli.ts';

/** The fixtures under test/fixtures/ that shared builds start from, and where each one's runs go. */
const FIXTURES = {
  /** Three MNIST runs with a config (the folder is the repository: runs/ and runpages.config.yaml). */
  'compare-site': { from: 'compare-site', into: '.' },
  /** Six runs of two projects and an invalid one (the folder is the runs/ folder). */
  'site-runs': { from: 'site-runs', into: 'runs' },
} as const;

export interface SharedSite {
  /** The working folder the build ran in (a copy of the fixture). */
  work: string;
  /** The built site. */
  out: string;
  /** What `runpages build` printed and returned. */
  build: CliResult;
}

/**
 * The fixture built with `runpages build --from runs --out site <args>` (and `env`), built once per
 * test run for each distinct set of arguments.
 *
 * @example const { out } = await sharedSite('compare-site', ['--base', '/models/', '--now', NOW]);
 */
export async function sharedSite(fixture: keyof typeof FIXTURES, args: string[], env: Record<string, string> = {}): Promise<SharedSite> {
  const key = createHash('sha256')
    .update(JSON.stringify([fixture, args, env]))
    .digest('hex')
    .slice(0, 16);
  const work = join(inject('sharedSites'), `${fixture}-${key}`);
  const done = join(work, '.build-result.json');
  const out = join(work, 'site');
  try {
    // mkdir is atomic: exactly one worker wins and builds, the others wait for its result.
    mkdirSync(work);
  } catch {
    for (let waited = 0; !existsSync(done); waited += 200) {
      if (waited > 600_000) throw new Error(`the shared build of ${fixture} ${args.join(' ')} did not finish in 10 minutes`);
      await sleep(200);
    }
    return { work, out, build: JSON.parse(readFileSync(done, 'utf8')) as CliResult };
  }
  const { from, into } = FIXTURES[fixture];
  cpSync(fileURLToPath(new URL(`../fixtures/${from}/`, import.meta.url)), join(work, into), { recursive: true });
  const build = await runCli(['build', '--from', 'runs', '--out', 'site', ...args], { cwd: work, env, timeoutMs: 300_000 });
  writeFileSync(done, JSON.stringify(build));
  return { work, out, build };
}
