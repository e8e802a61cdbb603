/**
 * Fails (exit 1) when a module crosses a boundary of scripts/boundaries.ts; `npm test` runs it.
 * Usage: node scripts/check-boundaries.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';
import { checkBoundaries, formatViolation } from './boundaries.ts';

const root = new URL('../', import.meta.url);
const paths = fg.sync(['src/**/*.{ts,mjs}', 'site/src/**/*.{ts,astro,mjs}'], { cwd: fileURLToPath(root), ignore: ['**/*.d.ts'] });
const files = new Map(paths.map((path) => [path, readFileSync(new URL(path, root), 'utf8')]));
const violations = checkBoundaries(files);
for (const violation of violations) process.stderr.write(`${formatViolation(violation)}\n`);
if (violations.length > 0) {
  process.stderr.write(`\n${violations.length} boundary violation(s); the rules and why they hold: scripts/boundaries.ts.\n`);
  process.exit(1);
}
process.stdout.write(`boundaries: ${files.size} modules checked, no violation\n`);
