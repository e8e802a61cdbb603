/**
 * The Python package (clients/python) is released with the npm package: both say the same version,
 * in pyproject.toml and in the module's `__version__`, so a run's client and CLI can be matched.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('python package', () => {
  test('pyproject.toml, runpages.__version__ and package.json name one version', () => {
    const npm = (JSON.parse(read('package.json')) as { version: string }).version;
    const pyproject = /^version = "([^"]+)"$/m.exec(read('clients/python/pyproject.toml'))?.[1];
    const module = /^__version__ = "([^"]+)"$/m.exec(read('clients/python/src/runpages/__init__.py'))?.[1];
    expect(npm).toMatch(/^\d+\.\d+\.\d+/);
    expect({ pyproject, module }).toEqual({ pyproject: npm, module: npm });
  });

  test('the package is typed and declares no dependencies beyond the standard library', () => {
    expect(() => read('clients/python/src/runpages/py.typed')).not.toThrow();
    expect(read('clients/python/pyproject.toml')).toMatch(/^dependencies = \[\]$/m);
  });

  test("ships the one secret rule set: its copy in the package is the TypeScript redactor's file", () => {
    // A pip-installed client cannot reach src/record/, so the package carries the file itself.
    expect(read('clients/python/src/runpages/secret-rules.json')).toBe(read('src/record/secret-rules.json'));
    expect(read('clients/python/pyproject.toml')).toMatch(/^runpages = \[.*"secret-rules\.json".*\]$/m);
  });
});
