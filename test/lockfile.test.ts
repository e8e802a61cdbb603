/**
 * The lockfile installs the same tree everywhere (`npm ci` on Linux x64 and arm64, macOS, Windows):
 * npm sometimes leaves a package's per-platform optional dependencies out of the lockfile it writes
 * on one platform, and `npm ci` elsewhere then refuses it. And `engines` promises no Node older than
 * what the locked dependencies accept.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  engines?: { node?: string } | string[];
  optionalDependencies?: Record<string, string>;
}

const root = new URL('../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('npm-shrinkwrap.json', root), 'utf8')) as { packages: Record<string, LockedPackage> };

/** Where npm would find `name` required from the package at `from` (nested first, then hoisted). */
function resolveLocked(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
  }
}

describe('the lockfile', () => {
  it('records every optional (per-platform) dependency of every locked package', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) if (!resolveLocked(path, name)) missing.push(`${path || '(root)'} -> ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it('has engines.node no wider than what every locked runtime dependency accepts', () => {
    const oldest = semver.minVersion(manifest.engines.node)?.version as string;
    const refused = Object.entries(lock.packages)
      // Optional packages are skipped where they do not fit (npm's rule), so they bind nothing.
      .filter(([path, entry]) => path && !entry.dev && !entry.devOptional && !entry.optional && !Array.isArray(entry.engines) && entry.engines?.node)
      .filter(([, entry]) => !semver.satisfies(oldest, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path}: ${(entry.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
    expect(lock.packages['']?.engines).toEqual(manifest.engines);
  });
});
