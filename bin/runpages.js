#!/usr/bin/env node
// Entry point. In a checkout it runs the TypeScript source (Node strips types); an installed
// package runs the compiled dist/ because Node refuses to strip types under node_modules.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';

// A site build holds every run's record and index in one process (Astro renders in-process): at 100k
// runs that outgrows Node's default heap (~4 GB here). Building commands re-run themselves with a heap
// of up to 60% of the machine's memory (at most 16 GB); the limit can only be set when Node starts.
const HEAP_COMMANDS = new Set(['build', 'preview']);
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const wantedMb = Math.min(16_384, Math.floor((totalmem() * 0.6) / 2 ** 20));
if (HEAP_COMMANDS.has(command ?? '') && !process.env.RUNPAGES_HEAP_SET && getHeapStatistics().heap_size_limit / 2 ** 20 < wantedMb * 0.9) {
  const child = spawn(process.execPath, [`--max-old-space-size=${wantedMb}`, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RUNPAGES_HEAP_SET: '1' },
  });
  // The terminal sends Ctrl-C to both processes; the child decides what it means.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    // Die of the same signal, so the caller sees how the build ended.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
} else {
  const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const installed = source.split(/[\\/]/).includes('node_modules');
  const { main } = await import(!installed && existsSync(source) ? source : compiled);
  await main(process.argv.slice(2));
}
