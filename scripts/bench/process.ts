/**
 * Whole-process figures: a command's wall time and peak memory, taken by GNU `/usr/bin/time -v`
 * around it (the same figures a user would see), with plain wall time when that tool is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const GNU_TIME = '/usr/bin/time';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock seconds. */
  seconds: number;
  /** Peak resident memory in MB, when GNU time was available. */
  maxRssMb?: number;
}

/** Parses `/usr/bin/time -v` output: elapsed wall clock and maximum resident set size. */
export function parseGnuTime(stderr: string): { seconds?: number; maxRssMb?: number } {
  const result: { seconds?: number; maxRssMb?: number } = {};
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  if (rss?.[1]) result.maxRssMb = Number(rss[1]) / 1024;
  const elapsed = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(stderr);
  if (elapsed?.[1]) result.seconds = elapsed[1].split(':').reduce((total, part) => total * 60 + Number(part), 0);
  return result;
}

/** Runs `command` (under GNU time when present) and collects its output and figures. */
export function runMeasured(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ProcessResult> {
  const timed = existsSync(GNU_TIME);
  const [file, argv] = timed ? [GNU_TIME, ['-v', command, ...args]] : [command, [...args]];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const wall = (performance.now() - started) / 1000;
      const figures = timed ? parseGnuTime(stderr) : {};
      resolve({
        code,
        stdout,
        stderr,
        seconds: figures.seconds ?? wall,
        ...(figures.maxRssMb === undefined ? {} : { maxRssMb: figures.maxRssMb }),
      });
    });
  });
}

/** Why a command failed, for an n/a reason: out of memory and signals said plainly, else its last lines. */
export function tail(text: string, lines = 3): string {
  const signal = /Command terminated by signal (\d+)/.exec(text)?.[1];
  if (/heap out of memory|Reached heap limit/i.test(text)) return `JavaScript heap out of memory${signal ? ` (signal ${signal})` : ''}`;
  if (signal) return `killed by signal ${signal}`;
  return text
    .split('\n')
    .filter(
      (line) =>
        line.trim() !== '' &&
        !/^\s+(Command being timed|User time|System time|Percent|Elapsed|Average|Maximum|Major|Minor|Voluntary|Involuntary|Swaps|File system|Socket|Signals|Page size|Exit status)/.test(
          line,
        ),
    )
    .slice(-lines)
    .join(' | ')
    .slice(0, 300);
}
