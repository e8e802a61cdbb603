/**
 * runpages as an installed dependency: `npm pack` (prepare compiles src/ to dist/), install the
 * tarball into a scratch git repo, and `npx runpages build` there. This is what users run, and what
 * Node's refusal to strip types under node_modules and Astro's root-inside-a-package behaviour can break.
 * Slow (an npm install); kept to this one test.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/git.ts';
import { checkLinks } from './helpers/links.ts';
import { npmEnv, packageTarball, run } from './helpers/package.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/site-runs/', import.meta.url));

let work: string;
let scratch: string;
let output = '';

beforeAll(() => {
  work = tempDir('runpages-package-');
  const tarball = packageTarball(work);

  scratch = join(work, 'user-repo');
  cpSync(FIXTURE, join(scratch, 'runs'), { recursive: true });
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'user-repo', private: true, type: 'module' }));
  run('git', ['init', '-q'], scratch);
  run('npm', ['install', '--loglevel=error', tarball], scratch);
  // Installed packages may be read-only (shared caches, Nix, Docker layers): nothing may be written there.
  run('chmod', ['-R', 'a-w', join(scratch, 'node_modules', 'runpages')], scratch);
  output = execFileSync('npx', ['runpages', 'build', '--from', 'runs', '--out', 'public-site'], {
    cwd: scratch,
    encoding: 'utf8',
    env: npmEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}, 900_000);

afterAll(() => {
  if (scratch && existsSync(scratch)) run('chmod', ['-R', 'u+w', scratch], work);
  rmSync(work, { recursive: true, force: true });
});

describe('runpages from an npm pack tarball', () => {
  it('runs the compiled CLI from node_modules and builds the site into the user repo', () => {
    expect(existsSync(join(scratch, 'node_modules', 'runpages', 'dist', 'cli', 'main.js'))).toBe(true);
    for (const id of ['01JDV0A000000000000000000A', '01JDV0F000000000000000000F']) {
      expect(existsSync(join(scratch, 'public-site', 'r', id, 'index.html')), id).toBe(true);
    }
    expect(existsSync(join(scratch, 'public-site', 'report', 'index.html'))).toBe(true);
    expect(checkLinks(join(scratch, 'public-site'), '/').broken).toEqual([]);
    expect(output).toBe('');
  });

  it('keeps caches on the user side and writes nothing into the installed package', () => {
    expect(existsSync(join(scratch, '.runpages', 'cache'))).toBe(true);
    expect(existsSync(join(scratch, 'node_modules', 'runpages', 'site', '.astro'))).toBe(false);
    expect(existsSync(join(scratch, 'node_modules', 'runpages', 'site', 'node_modules'))).toBe(false);
  });
});
