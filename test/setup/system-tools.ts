/**
 * Vitest global setup: the browser tests drive Debian's Chromium and the memory bounds read GNU
 * time's peak RSS, which a fresh machine may not have. As root (CI, fresh containers) they are
 * installed with apt-get; otherwise the run stops with a clear message instead of a wall of failures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian package for each program the tests run. */
const NEEDED = { '/usr/bin/chromium': 'chromium', '/usr/bin/time': 'time' };

export default function setup(): void {
  const missing = Object.entries(NEEDED)
    .filter(([path]) => !existsSync(path))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`The tests need Debian's ${missing.join(' and ')}. Install: sudo apt-get install -y ${missing.join(' ')}`);
  }
  process.stderr.write(`Installing ${missing.join(' and ')} with apt-get (once) ...\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}
