/**
 * A run directory's params: params.yaml and params.json (both may exist; a key in both is an error
 * naming both files), and the values given on the command line or the API, which win.
 */
import { keyPath, ownValue, setOwn, setPath } from '../run/keys.ts';
import { PROJECT_PATTERN } from '../run/schema.ts';
import { InvalidRunError, showValue } from '../run/validate.ts';
import { parseYaml } from '../run/yaml.ts';
import { readRunText, type RunFileWarn } from './read-run-file.ts';

import type { RunOverrides } from './run-dir.ts';
import { isMapping, notMapping, parseJsonFile } from './run-dir-json.ts';

/**
 * Params from params.yaml, params.yml and params.json. A job may write its own params.yaml (a config
 * file) while a client writes params.json: both are read and merged, as long as they agree.
 */
export async function readParams(dir: string, warn: RunFileWarn): Promise<Record<string, unknown> | undefined> {
  let merged: Record<string, unknown> | undefined;
  const sources: Record<string, string> = {};
  for (const file of ['params.yaml', 'params.yml', 'params.json']) {
    const text = await readRunText(dir, file, warn);
    if (text === undefined) continue;
    const data = file.endsWith('.json') ? parseJsonFile(text, file) : parseYaml(text, file);
    if (data === null || data === undefined) {
      merged ??= {};
      continue;
    }
    if (!isMapping(data)) throw notMapping(file, text, data, `Write ${file} as a mapping of names to values, e.g. \`lr: 0.001\`.`);
    merged = mergeParamFiles(merged ?? {}, data, file, sources, '');
  }
  return merged;
}

/** Merges `next` (from `file`) into `into`; a key both files set to different values is an error. */
function mergeParamFiles(
  into: Record<string, unknown>,
  next: Record<string, unknown>,
  file: string,
  sources: Record<string, string>,
  prefix: string,
): Record<string, unknown> {
  const out = { ...into };
  for (const [key, value] of Object.entries(next)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const current = ownValue(out, key);
    if (current === undefined) {
      setOwn(out, key, value);
      markSources(value, path, file, sources);
    } else if (isMapping(current) && isMapping(value)) {
      setOwn(out, key, mergeParamFiles(current, value, file, sources, path));
    } else if (JSON.stringify(current) !== JSON.stringify(value)) {
      const first = ownValue(sources, path) ?? 'another params file';
      throw new InvalidRunError(
        [{ file, field: path, message: `disagrees with ${first} (${showValue(current)})`, value: showValue(value) }],
        `Set ${path} in one params file only, or to the same value in ${first} and ${file}.`,
      );
    }
  }
  return out;
}

/** Remembers which file set each leaf param, to name it in a conflict. */
function markSources(value: unknown, path: string, file: string, sources: Record<string, string>): void {
  setOwn(sources, path, file);
  if (isMapping(value)) for (const [key, inner] of Object.entries(value)) markSources(inner, `${path}.${key}`, file, sources);
}

export function checkOverrides(overrides: RunOverrides): void {
  if (overrides.project !== undefined && !PROJECT_PATTERN.test(overrides.project)) {
    throw new InvalidRunError(
      [
        {
          file: '--project',
          field: 'project',
          message: 'must be 1-64 letters, digits, ".", "-" or "_", starting with a letter or digit',
          value: showValue(overrides.project),
        },
      ],
      'Choose a project name that can be a folder and URL segment, e.g. "image-classifier".',
    );
  }
}

/** `--param a.b=0.1` as nested params with YAML-typed values. */
export function overrideParams(params: Record<string, string> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(params ?? {})) {
    let value: unknown = text;
    try {
      const parsed = parseYaml(text, '--param');
      if (parsed === null || typeof parsed !== 'object') value = parsed ?? text;
    } catch {
      // Not valid YAML: keep the text as given.
    }
    setPath(out, keyPath(key, '--param'), value);
  }
  return out;
}

/** Deep merge: mappings merge key by key, anything else in `over` replaces. */
export function mergeParams(under: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...under };
  for (const [key, value] of Object.entries(over)) {
    const current = ownValue(out, key);
    setOwn(out, key, isMapping(current) && isMapping(value) ? mergeParams(current, value) : value);
  }
  return out;
}
