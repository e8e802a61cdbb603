/** `runpages log <kind> <key> <file>`: a medium from a shell job, written like the clients write it. */
import { readFile } from 'node:fs/promises';
import { RunpagesError } from '../errors.ts';
import type { MediaKind } from '../run/media.ts';
import { logMedium } from './media-log.ts';

/** Logs the medium `[kind, key, file]` into the run directory `runDir` (RUNPAGES_DIR). */
export async function logMediumFromCli(runDir: string | undefined, args: readonly string[], flags: { step?: string; caption?: string }): Promise<void> {
  const [kind, key, file, ...rest] = args as [MediaKind, string | undefined, string | undefined, ...string[]];
  if (!runDir) {
    throw new RunpagesError('not-recording', 'RUNPAGES_DIR is not set, so there is no run to log to.', {
      hint: 'Run your script under the recorder, which sets it: runpages record -- sh train.sh',
    });
  }
  if (key === undefined || file === undefined || rest.length > 0) {
    throw new RunpagesError('invalid-medium', `runpages log ${kind} takes a key and a file (got ${args.length - 1} arguments)`, {
      hint: `For example: runpages log ${kind} val/samples ${kind === 'image' ? 'grid.png' : kind === 'text' ? 'sample.txt' : 'data.json'} --step 3`,
    });
  }
  let step: number | undefined;
  if (flags.step !== undefined) {
    step = Number(flags.step);
    if (flags.step.trim() === '' || !Number.isFinite(step))
      throw new RunpagesError('invalid-medium', `--step ${JSON.stringify(flags.step)} is not a number`, { hint: 'Give the step as a number: --step 3' });
  }
  let bytes: Uint8Array;
  try {
    bytes = file === '-' ? await readStdin() : await readFile(file);
  } catch (error) {
    process.stderr.write(`warning ${kind} ${JSON.stringify(key)}: cannot read ${file}: ${(error as Error).message}; not logged\n`);
    return;
  }
  const outcome = logMedium(runDir, key, kind, bytes, {
    ...(step === undefined ? {} : { step }),
    ...(flags.caption === undefined ? {} : { caption: flags.caption }),
  });
  if (!outcome.ok) process.stderr.write(`warning ${outcome.reason}; not logged\n`);
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
