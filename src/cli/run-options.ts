/** The options that describe a run on the command line (`--project`, `--name`, `--tag`, `--param`), shared by commands that publish runs. */
import { keyPath, setOwn } from '../run/keys.ts';
import type { Command } from 'commander';
import { RunpagesError } from '../errors.ts';
import type { RunOverrides } from '../record/run-dir.ts';

export interface RunFlags {
  project?: string;
  name?: string;
  tag?: string[];
  param?: string[];
}

// No default array: commander would print "(default: [])" in the help.
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds `--project`, `--name`, `--tag` and `--param` to a command. */
export function addRunOptions(command: Command): Command {
  return command
    .option('--project <name>', 'project of the run (default: from run.yaml, else the repository folder name)')
    .option('--name <name>', 'human-friendly run name (default: from run.yaml, else generated)')
    .option('--tag <tag>', 'tag the run (repeatable)', collect)
    .option('--param <key=value>', 'set a param (repeatable; dotted keys nest, values are typed as YAML)', collect);
}

/** Turns the flags into overrides for prepareRunDir; a malformed `--param` is a user error. */
export function runOverrides(flags: RunFlags): RunOverrides {
  const params: Record<string, string> = {};
  for (const pair of flags.param ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new RunpagesError('invalid-param', `--param ${JSON.stringify(pair)} is not key=value`, {
        hint: 'Write params as --param lr=0.001 (dotted keys nest: --param optim.lr=0.001).',
      });
    }
    const key = pair.slice(0, at);
    keyPath(key, '--param');
    setOwn(params, key, pair.slice(at + 1));
  }
  return {
    ...(flags.project === undefined ? {} : { project: flags.project }),
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.tag?.length ? { tags: flags.tag } : {}),
    ...(flags.param?.length ? { params } : {}),
  };
}
