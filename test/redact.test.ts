import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED, redactArgs, redactCommand, redactEnv, redactParams, redactText } from '../src/record/redact.ts';

describe('isSecretKey', () => {
  it.each(['token', 'hf_token', 'authToken', 'DB_PASSWORD', 'passwd', 'api_key', 'apiKey', 'api-key', 'APIKEY', 'aws_secret_access_key', 'credentials', 'private_key', 'auth'])(
    '%s is secret',
    (key) => expect(isSecretKey(key)).toBe(true),
  );
  it.each(['lr', 'max_tokens', 'tokenizer', 'author', 'keyboard', 'batch_size', 'num_tokens'])('%s is not secret', (key) =>
    expect(isSecretKey(key)).toBe(false),
  );
});

describe('redaction', () => {
  it('masks nested params and keeps the rest', () => {
    expect(redactParams({ lr: 0.1, hub: { token: 'abc', repo: 'x' }, list: [{ password: 'p' }] })).toEqual({
      lr: 0.1,
      hub: { token: REDACTED, repo: 'x' },
      list: [{ password: REDACTED }],
    });
  });

  it('masks env vars by name', () => {
    expect(redactEnv({ GITHUB_TOKEN: 'x', SLURM_JOB_ID: '7' })).toEqual({ GITHUB_TOKEN: REDACTED, SLURM_JOB_ID: '7' });
  });

  it('masks command-line options, env prefixes and URL credentials; leaves short options', () => {
    expect(
      redactArgs(['HF_TOKEN=abc', 'python', 'train.py', '--token=abc', '--password', 'hunter2', '-p', '8080', '--lr', '0.1', 'https://bob:pw@host/x']),
    ).toEqual(['HF_TOKEN=[redacted]', 'python', 'train.py', '--token=[redacted]', '--password', REDACTED, '-p', '8080', '--lr', '0.1', 'https://bob:[redacted]@host/x']);
    expect(redactCommand(['echo', 'hello world', '--api-key', 'k'])).toBe(`echo 'hello world' --api-key [redacted]`);
  });

  it('masks secrets in free text', () => {
    const text = 'connecting to postgres://u:s3cret@db:5432\nAuthorization: Bearer abcdefghijkl\npassword=xyz ok\nghp_abcdefghijklmnopqrstuvwxyz0123';
    const masked = redactText(text);
    for (const leaked of ['s3cret', 'abcdefghijkl', 'xyz', 'ghp_']) expect(masked).not.toContain(leaked);
    expect(masked).toContain('ok');
  });

  const secretKey = fc
    .tuple(
      fc.constantFrom('token', 'secret', 'password', 'passwd', 'api_key', 'apikey', 'api-key', 'credentials', 'private_key', 'auth'),
      fc.constantFrom('', 'hf_', 'MY_', 'db.'),
      fc.constantFrom('', '_value', '_1'),
      fc.boolean(),
    )
    .map(([word, prefix, suffix, upper]) => {
      const key = `${prefix}${word}${suffix}`;
      return upper ? key.toUpperCase() : key;
    });
  // A distinctive value so "not in the output" can only mean it was masked.
  const secretValue = fc.stringMatching(/^[A-Za-z0-9]{6,20}$/).map((s) => `Zq9${s}`);

  it('a planted secret never survives (property)', () => {
    fc.assert(
      fc.property(
        secretKey,
        secretValue,
        fc.dictionary(fc.constantFrom('lr', 'epochs', 'model', 'data'), fc.oneof(fc.integer(), fc.string())),
        fc.array(fc.constantFrom('a', 'b', 'nested')),
        (key, value, others, path) => {
          // Params, nested anywhere.
          let params: Record<string, unknown> = { ...others, [key]: value };
          for (const segment of path) params = { [segment]: params, ...others };
          expect(JSON.stringify(redactParams(params))).not.toContain(value);
          // Environment.
          expect(JSON.stringify(redactEnv({ [key.replace(/\W/g, '_')]: value }))).not.toContain(value);
          // Command lines: --key=value, --key value, KEY=value prefix, URL credentials.
          const flag = `--${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
          const envKey = key.replace(/\W/g, '_');
          const args = [`${envKey}=${value}`, 'python', 'train.py', `${flag}=${value}`, flag, value, `https://user:${value}@example.com/repo`];
          expect(redactCommand(args)).not.toContain(value);
          // Free text.
          expect(redactText(`${key}=${value}\n${key}: ${value}\nhttps://u:${value}@h/`)).not.toContain(value);
        },
      ),
      { numRuns: 500 },
    );
  });
});
