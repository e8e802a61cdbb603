#!/usr/bin/env node
// Entry point: the compiled CLI when installed from a package, the TypeScript source in a checkout
// (Node >= 22.12 strips types; it refuses to inside node_modules, hence dist/ there).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const useSource = !existsSync(compiled) || (process.env.RUNPAGES_DEV === '1' && existsSync(source));
const { main } = await import(useSource ? source : compiled);
await main(process.argv.slice(2));
