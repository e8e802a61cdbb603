/** Reads the config for a command: an explicit `--config <file>` or `runpages.config.yaml` in cwd. */
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadConfig, parseConfig, type Config } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import { parseYaml } from '../run/yaml.ts';

/** The config from `file` (relative to cwd) when given, else the default file in `cwd`. */
export function readConfig(cwd: string, file?: string): Config {
  if (!file) return loadConfig(cwd);
  const path = resolve(cwd, file);
  if (!existsSync(path)) {
    throw new RunpagesError('config-not-found', `There is no config file at ${file}`, {
      hint: 'Check the path given to --config, or drop --config to use runpages.config.yaml in the current folder.',
    });
  }
  const name = relative(cwd, path) || file;
  return parseConfig(parseYaml(readFileSync(path, 'utf8'), name), name);
}
