/**
 * The module boundaries the README's architecture table states, as rules a check enforces
 * (`npm test` runs scripts/check-boundaries.ts). A rule names the modules it covers and what they
 * must never reach: a Node built-in, a package, or a folder of this repository. Rules marked
 * `transitive` follow the covered modules' imports all the way down (through this repository's
 * files, not into packages), so a forbidden module cannot be reached through a neighbour either.
 * Type-only imports are erased at compile time and count for nothing.
 */
import { dirname, join, normalize } from 'node:path';

export interface BoundaryRule {
  name: string;
  /** Repository paths (prefixes) the rule covers. */
  covers: string[];
  /** Repository paths (prefixes) that must not be imported. */
  forbidPaths?: string[];
  /** Forbid every Node built-in (`node:fs`, `fs`, ...). */
  forbidNodeBuiltins?: boolean;
  /** Packages allowed; any other package is forbidden. Undefined: every package is allowed. */
  allowPackages?: string[];
  transitive?: boolean;
  why: string;
}

const PURE_CORE = ['src/run/', 'src/query/', 'src/report/'];
const EDGE = ['src/git/', 'src/branch/', 'src/store/', 'src/record/', 'src/import/', 'src/cli/', 'src/hosting/', 'src/site/', 'src/index/load.ts'];

export const RULES: BoundaryRule[] = [
  {
    name: 'pure-core',
    covers: PURE_CORE,
    forbidNodeBuiltins: true,
    forbidPaths: EDGE,
    why: 'the pure core (run records, queries, reports) is a function of data: no files, processes, git, branch or store',
  },
  {
    name: 'site-reads-built-data',
    covers: ['site/'],
    forbidPaths: ['src/git/', 'src/branch/', 'src/store/', 'src/cli/', 'src/hosting/'],
    transitive: true,
    why: 'the Astro app renders data the build prepared; it never reaches git, the branch or the store',
  },
  {
    name: 'browser-safe',
    covers: ['site/src/scripts/'],
    forbidNodeBuiltins: true,
    forbidPaths: ['src/git/', 'src/branch/', 'src/store/', 'src/cli/', 'src/hosting/', 'src/import/', 'src/index/load.ts'],
    allowPackages: ['minisearch', '@observablehq/plot'],
    transitive: true,
    why: 'browser scripts are bundled for the browser: no Node built-ins and no heavy packages',
  },
];

export interface Violation {
  rule: string;
  /** The chain of imports from a covered module to the forbidden one. */
  chain: string[];
  forbidden: string;
  why: string;
}

const NODE_BUILTINS = new Set([
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'tty',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
]);

/** Value imports of a module's source (static, re-exports and dynamic), type-only ones left out. */
export function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    if (match[2]) continue;
    const clause = (match[3] as string).trim();
    // `import { type A, type B } from` imports nothing at run time.
    const braces = /^\{([^}]*)\}$/.exec(clause);
    if (braces && (braces[1] as string).split(',').every((name) => /^\s*(type\s+\S+.*)?$/.test(name))) continue;
    specifiers.push(match[4] as string);
  }
  for (const match of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specifiers.push(match[1] as string);
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1] as string);
  return specifiers;
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/**
 * Every violation of `rules` among `files` (repository path -> source text).
 * @example checkBoundaries(new Map([['src/run/x.ts', "import fs from 'node:fs';"]])) // one pure-core violation
 */
export function checkBoundaries(files: Map<string, string>, rules: BoundaryRule[] = RULES): Violation[] {
  const resolved = new Map<string, string[]>();
  const importsFrom = (file: string): string[] => {
    let list = resolved.get(file);
    if (!list) {
      list = importsOf(files.get(file) ?? '').map((specifier) => (specifier.startsWith('.') ? normalize(join(dirname(file), specifier)) : specifier));
      resolved.set(file, list);
    }
    return list;
  };
  const violations: Violation[] = [];
  for (const rule of rules) {
    // One report per crossing (module -> forbidden import), through the first chain that reaches it.
    const reported = new Set<string>();
    const forbidden = (target: string): boolean => {
      if (isNodeBuiltin(target)) return rule.forbidNodeBuiltins === true;
      if (files.has(target) || target.startsWith('src/') || target.startsWith('site/')) return (rule.forbidPaths ?? []).some((path) => target.startsWith(path));
      return rule.allowPackages !== undefined && !rule.allowPackages.includes(packageName(target));
    };
    for (const start of [...files.keys()].filter((file) => rule.covers.some((path) => file.startsWith(path))).sort()) {
      const seen = new Set([start]);
      const queue: string[][] = [[start]];
      while (queue.length > 0) {
        const chain = queue.shift() as string[];
        for (const target of importsFrom(chain.at(-1) as string)) {
          const crossing = `${chain.at(-1)} -> ${target}`;
          if (forbidden(target)) {
            if (!reported.has(crossing)) violations.push({ rule: rule.name, chain, forbidden: target, why: rule.why });
            reported.add(crossing);
          } else if (rule.transitive && files.has(target) && !seen.has(target)) {
            seen.add(target);
            queue.push([...chain, target]);
          }
        }
      }
    }
  }
  return violations;
}

/** A violation as one line: `pure-core: src/report/saved.ts -> node:fs (why)`. */
export function formatViolation(violation: Violation): string {
  return `${violation.rule}: ${[...violation.chain, violation.forbidden].join(' -> ')} (${violation.why})`;
}
