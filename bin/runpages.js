#!/usr/bin/env node
// Entry point. In a checkout it runs the TypeScript source (Node >= 22.12 strips types); an installed
// package runs the compiled dist/ because Node refuses to strip types under node_modules.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const installed = source.split(/[\\/]/).includes('node_modules');
const { main } = await import(!installed && existsSync(source) ? source : compiled);
await main(process.argv.slice(2));
