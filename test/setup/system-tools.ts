/**
 * Vitest global setup: the browser tests drive Debian's Chromium, which a fresh machine may not have.
 * As root (CI, fresh containers) it is installed with apt-get; otherwise the run stops with a clear
 * message instead of a wall of launch failures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

export default function setup(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM}. Install it: sudo apt-get install -y chromium`);
  }
  process.stderr.write('Chromium is missing: installing it with apt-get (once) ...\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
}
