/**
 * runpages as a user installs it without a registry release: a local git clone of this checkout
 * (`git+file://` URL; npm runs `prepare`, which compiles dist/) or the tarball `npm pack` makes of it.
 * The clone is of the files as they are now, committed in a scratch repository, so uncommitted work is
 * tested too.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_GIT_ENV } from './git.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE_FILES = [
  'package.json',
  'npm-shrinkwrap.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'bin',
  'src',
  'site',
  'clients',
  'docs',
  'README.md',
  'LICENSE',
];

/** Environment for npm in tests: quiet, no audit, and the Node that runs the tests first on PATH. */
export function npmEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NO_COLOR: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    PATH: `${join(process.execPath, '..')}:${process.env.PATH}`,
  };
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv()): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 400_000 });
}

/** A git repository at `dir` holding the package's files as one commit; returns its `git+file://` URL. */
export function packageClone(dir: string): string {
  for (const file of PACKAGE_FILES) {
    if (existsSync(join(ROOT, file)))
      cpSync(join(ROOT, file), join(dir, file), {
        recursive: true,
        filter: (src) => !/[\\/](\.astro|node_modules|__pycache__|dist)([\\/]|$)/.test(src.slice(ROOT.length)),
      });
  }
  const env = { ...process.env, ...TEST_GIT_ENV };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-q', '-m', 'runpages under test'], { cwd: dir, env });
  return `git+file://${dir}`;
}

/** `npm pack` of the package's files (prepare compiles dist/ first); returns the tarball's path. */
export function packageTarball(dir: string): string {
  const copy = join(dir, 'package');
  packageClone(copy);
  // The checkout's dependencies serve the compile step; the tarball itself carries none.
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'junction');
  run('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], copy);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  return join(dir, tarball);
}
