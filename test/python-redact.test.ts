/**
 * The Python client masks secrets with the same rules as the TypeScript redactor: both read
 * src/record/secret-rules.json, and this differential test feeds the same generated corpus (keys,
 * text with planted tokens, argv lists, nested params) to both and requires identical output. It
 * also checks that what the client writes to the run directory (command, params, notes, git remote)
 * is masked before `runpages commit` ever reads it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretKey, redactParams, redactText } from '../src/record/redact.ts';
import { tempDir } from './helpers/git.ts';

const CLIENTS = fileURLToPath(new URL('../clients/python', import.meta.url));
/** Where `import runpages` resolves (the client may live in a src/ layout). */
const PYTHONPATH = existsSync(join(CLIENTS, 'src')) ? join(CLIENTS, 'src') : CLIENTS;

function python(script: string, input: string, cwd = CLIENTS): string {
  return execFileSync('python3', ['-c', script], { cwd, input, env: { ...process.env, PYTHONPATH }, maxBuffer: 1 << 26 }).toString('utf8');
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const piece = fc.oneof(
  fc.constantFrom(
    'epoch',
    'loss=0.5',
    'max_tokens=512',
    'tokenizer: bert',
    'PGPASSWORD=',
    'wandb.api_key=',
    'Authorization: token ',
    'Authorization: Bearer ',
    'https://',
    'user:',
    '@host/x.git',
    '?token=',
    '&page=2',
    '--password',
    '--lr',
    '"api_key": "',
    '"',
    "'",
    ':',
    '=',
    ' ',
    '\n',
    'hf_',
    'ghp_',
    'glpat-',
    'sk-',
    'AKIA',
    'eyJ',
    '.',
    '-----BEGIN RSA PRIVATE KEY-----\n',
    '-----END RSA PRIVATE KEY-----',
    'PWD=/home/x',
    'db_pass: ',
    'Basic ',
  ),
  fc.array(fc.constantFrom(...ALNUM), { minLength: 1, maxLength: 40 }).map((c) => c.join('')),
);
const text = fc.array(piece, { maxLength: 14 }).map((parts) => parts.join(''));
const key = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        'hf',
        'token',
        'TOKEN',
        'max',
        'tokens',
        'tokenizer',
        'PG',
        'PASSWORD',
        'pwd',
        'PWD',
        'api',
        'key',
        'Key',
        'auth',
        'author',
        'db',
        'pass',
        'lr',
        'session',
        '_',
        '-',
        '.',
        '--',
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((p) => p.join('')),
  fc.string({ maxLength: 12 }),
);
const params = fc.dictionary(
  key,
  fc.oneof(
    text,
    fc.integer(),
    fc.array(
      fc.oneof(
        text,
        key.map((k) => `--${k}`),
        fc.integer(),
      ),
      { maxLength: 5 },
    ),
  ),
  { maxKeys: 5 },
);

describe('the Python client and the TypeScript redactor agree', () => {
  it('on keys, text and params (differential property)', () => {
    const corpus = fc.sample(fc.record({ key, text, params }), { numRuns: 400, seed: 20261204 });
    const out = python(
      'import json, sys, runpages as r\n' +
        'items = json.load(sys.stdin)\n' +
        'print(json.dumps([[r._is_secret_key(i["key"]), r._redact_text(i["text"]), r._redact(i["params"])] for i in items]))',
      JSON.stringify(corpus),
    );
    const fromPython = JSON.parse(out) as unknown[][];
    expect(fromPython).toHaveLength(corpus.length);
    corpus.forEach((item, i) => {
      expect(fromPython[i]![0], `isSecretKey(${JSON.stringify(item.key)})`).toBe(isSecretKey(item.key));
      expect(fromPython[i]![1], `redactText(${JSON.stringify(item.text)})`).toBe(redactText(item.text));
      expect(fromPython[i]![2], `redactParams(${JSON.stringify(item.params)})`).toEqual(redactParams(item.params));
    });
  });

  it('masks what it writes to the run directory before publishing', () => {
    const dir = tempDir();
    const token = `hf_${'Zq9'.repeat(10)}`;
    writeFileSync(
      join(dir, 'train.py'),
      [
        'import runpages',
        `run = runpages.start(project="p", params={"PGPASSWORD": "Zq9pg", "args": ["--password", "Zq9arg"], "hub": "${token}"}, dir="rundir")`,
        'run.note("Authorization: token 0123456789abcdef0123456789abcdef01234567 and https://Zq9user@github.com/o/r")',
        'run._write_record("running")',
      ].join('\n'),
    );
    execFileSync('python3', ['train.py', '--api-key', 'Zq9cli', 'wandb.api_key=Zq9hydra', token], { cwd: dir, env: { ...process.env, PYTHONPATH } });
    const files = readdirSync(join(dir, 'rundir'));
    expect(files).toEqual(expect.arrayContaining(['params.json', 'notes.md', 'run.yaml']));
    for (const file of files) {
      const content = readFileSync(join(dir, 'rundir', file), 'utf8');
      expect(content, file).not.toMatch(/Zq9|0123456789abcdef/);
    }
    expect(readFileSync(join(dir, 'rundir', 'run.yaml'), 'utf8')).toContain('--api-key');
  });
});
