import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cutLine,
  isSecretKey,
  REDACTED,
  redactArgs,
  redactCommand,
  redactDiff,
  redactEnv,
  redactParams,
  redactRecord,
  redactText,
} from '../src/record/redact.ts';
import { OutputTail } from '../src/record/recorder.ts';

describe('isSecretKey', () => {
  it.each([
    'token',
    'hf_token',
    'authToken',
    'DB_PASSWORD',
    'passwd',
    'api_key',
    'apiKey',
    'api-key',
    'APIKEY',
    'aws_secret_access_key',
    'credentials',
    'private_key',
    'auth',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));
  it.each(['PGPASSWORD', 'MYSQLPWD', 'AWSSECRETKEY', 'wandb.api_key', 'HF_TOKEN', 'db_pass', 'Authorization', 'SESSION_KEY', 'client-secret'])(
    '%s is secret: secret words count anywhere in the name, with or without separators',
    (key) => expect(isSecretKey(key)).toBe(true),
  );
  it.each([
    'lr',
    'max_tokens',
    'max_new_tokens',
    'tokenizer',
    'tokenizer_name',
    'author',
    'authors',
    'keyboard',
    'batch_size',
    'num_tokens',
    'PWD',
    'OLDPWD',
    'pass_rate',
    'bypass',
  ])('%s is not secret', (key) => expect(isSecretKey(key)).toBe(false));
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
    ).toEqual([
      'HF_TOKEN=[redacted]',
      'python',
      'train.py',
      '--token=[redacted]',
      '--password',
      REDACTED,
      '-p',
      '8080',
      '--lr',
      '0.1',
      'https://[redacted]@host/x',
    ]);
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

describe('the leaks the hostile corpus found', () => {
  it.each([
    ['GitHub header form', 'Authorization: token 0123456789abcdef0123456789abcdef01234567', '0123456789abcdef'],
    ['short bearer', 'curl -H "Authorization: Bearer x9" https://api', 'x9'],
    ['short basic', 'Authorization: Basic dTpw', 'dTpw'],
    ['token as URL user', 'git clone https://glpat-abcdefghijklmnopqrst@gitlab.example/x.git', 'glpat-'],
    ['user and password in URL', 'https://alice:Zq9pass@host/x', 'Zq9pass'],
    ['Hydra override', 'python train.py wandb.api_key=Zq9wandb lr=0.1', 'Zq9wandb'],
    ['env name without separator', 'PGPASSWORD=Zq9pg psql', 'Zq9pg'],
    ['option and value in text', 'launching train.py --password Zq9opt --lr 0.1', 'Zq9opt'],
    ['query string after an ordinary key', 'GET https://h/p?token=Zq9query&page=2', 'Zq9query'],
    ['JSON pair', '{"api_key": "Zq9 json", "lr": 1}', 'Zq9 json'],
    ['PEM block', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXk'],
    ['PEM block cut before its end', 'key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg', 'MIIEvQIBADANBg'],
  ])('%s', (_name, text, leaked) => {
    const masked = redactText(text);
    expect(masked).not.toContain(leaked);
    expect(masked).toContain(REDACTED);
  });

  it('keeps ordinary text and ML vocabulary as it is', () => {
    for (const text of [
      'max_tokens=512 tokenizer=bert num_tokens: 10',
      'basic tokenizer loaded',
      'git@github.com:o/r.git',
      'epoch 3 loss=0.25 lr=1e-4',
      'see https://example.com/a?b=c',
    ])
      expect(redactText(text)).toBe(text);
  });

  it('masks lists like command lines, in params too', () => {
    expect(redactParams({ args: ['--password', 'x', '--lr', '0.1', '--password=y', 'HF_TOKEN=z', 'wandb.api_key=k', `hf_${'a'.repeat(30)}`] })).toEqual({
      args: ['--password', REDACTED, '--lr', '0.1', `--password=${REDACTED}`, `HF_TOKEN=${REDACTED}`, `wandb.api_key=${REDACTED}`, REDACTED],
    });
  });

  it('redacts every free-text field of a record and leaves ids, times and metrics alone', () => {
    const record = {
      id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
      created: '2026-11-23T10:00:00.000Z',
      metrics: { auth_rate: 0.5 },
      series: { 'tokens/s': { points: 1, stored: 1 } },
      notes: 'pushed with ghp_Zq9Zq9Zq9Zq9Zq9Zq9Zq9Zq9',
      command: 'train.py --api-key Zq9cmd',
      git: { remote: 'https://Zq9user@github.com/o/r' },
      tags: ['token=Zq9tag'],
      name: 'run HF_TOKEN=Zq9name',
      output_tail: 'password: Zq9tail',
      data: { train: 'https://u:Zq9data@s3/x' },
      extra: { secret: 'Zq9extra' },
    };
    const redacted = redactRecord(record);
    expect(JSON.stringify(redacted)).not.toContain('Zq9');
    expect(redacted).toMatchObject({ id: record.id, created: record.created, metrics: record.metrics, series: record.series });
  });

  it('does not store the changes of secret files and masks the rest of the diff', () => {
    const diff = [
      '# Untracked files (not in this patch):\n#   notes.txt\n\n',
      'diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n+HF_TOKEN=Zq9env\n',
      'diff --git a/deploy/id_rsa b/deploy/id_rsa\n+MIIZq9rsa\n',
      'diff --git a/config/prod.pem b/config/prod.pem\n+Zq9pem\n',
      'diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n-lr = 0.1\n+lr = 0.2\n+API_KEY = "Zq9code"\n',
    ].join('');
    const masked = redactDiff(diff);
    expect(masked).not.toContain('Zq9');
    expect(masked).toContain('# .env: changes not stored');
    expect(masked).toContain('# deploy/id_rsa: changes not stored');
    expect(masked).toContain('+lr = 0.2');
  });
});

describe('redaction never leaks (properties)', () => {
  const word = fc.constantFrom(
    'token',
    'secret',
    'password',
    'passwd',
    'pwd',
    'api_key',
    'apikey',
    'api-key',
    'credentials',
    'private_key',
    'auth',
    'access_key',
    'session_key',
  );
  const caseOf = (key: string, style: number): string =>
    style === 0 ? key : style === 1 ? key.toUpperCase() : key.replace(/[-_](.)/g, (_m, c: string) => c.toUpperCase());
  const secretName = fc
    .tuple(word, fc.constantFrom('', 'hf_', 'MY', 'PG', 'db.', 'wandb.', 'aws'), fc.constantFrom('', '_value', '1', 'Id'), fc.integer({ min: 0, max: 2 }))
    .map(([w, prefix, suffix, style]) => caseOf(`${prefix}${w}${suffix}`, style))
    // The shell's PWD is a folder, not a password (see isSecretKey).
    .filter((key) => key.toLowerCase() !== 'pwd');
  const value = fc.stringMatching(/^[A-Za-z0-9]{6,20}$/).map((s) => `Zq9${s}`);
  const filler = fc
    .array(fc.constantFrom('epoch', '3', 'loss=0.2', 'lr:', 'ok', '--lr', '0.1', 'https://example.com/x', '"a"'), { maxLength: 4 })
    .map((w) => w.join(' '));
  const body = (alphabet: string, min: number) => fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: min + 20 }).map((c) => c.join(''));
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  /** A token of a well-known shape, and the part of it that must never be seen. */
  const knownToken = fc.oneof(
    body(alnum, 36).map((b) => `ghp_${b}`),
    body(alnum, 36).map((b) => `github_pat_${b}`),
    body(alnum, 20).map((b) => `glpat-${b}`),
    body(alnum, 34).map((b) => `hf_${b}`),
    body(alnum, 40).map((b) => `sk-${b}`),
    body(alnum, 24).map((b) => `sk_live_${b}`),
    body(alnum, 24).map((b) => `xoxb-${b}`),
    body('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16).map((b) => `AKIA${b.slice(0, 16)}`),
    body(alnum, 35).map((b) => `AIza${b}`),
    fc.tuple(body(alnum, 20), body(alnum, 30)).map(([a, b]) => `eyJ${a}.eyJ${b}.${a}`),
  );

  it('a secret after a secret-named key never survives in params, env, argv or text', () => {
    fc.assert(
      fc.property(secretName, value, filler, fc.array(fc.constantFrom('a', 'b'), { maxLength: 3 }), (key, secret, text, path) => {
        let params: Record<string, unknown> = { lr: 0.1, [key]: secret, args: [`--${key}`, secret, `--${key}=${secret}`, `${key}=${secret}`] };
        for (const segment of path) params = { [segment]: params };
        expect(JSON.stringify(redactParams(params))).not.toContain(secret);
        expect(JSON.stringify(redactEnv({ [key]: secret }))).not.toContain(secret);
        expect(redactCommand(['python', 'train.py', `--${key}`, secret, `--${key}=${secret}`, `${key}=${secret}`])).not.toContain(secret);
        for (const line of [
          `${key}=${secret}`,
          `${key}: ${secret}`,
          `"${key}": "${secret}"`,
          `--${key} ${secret}`,
          `https://${secret}@h/x`,
          `https://u:${secret}@h/x`,
          `Authorization: Bearer ${secret}`,
        ]) {
          expect(redactText(`${text} ${line} ${text}`)).not.toContain(secret);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a well-known token never survives anywhere in text, nor any part of it when the output tail cuts its line', () => {
    fc.assert(
      fc.property(knownToken, fc.integer({ min: 0, max: 2100 }), filler, (token, at, text) => {
        expect(redactText(`${text} ${token} ${text}`)).not.toContain(token.slice(4, 14));
        // A long line whose cut falls anywhere around the token.
        const tail = new OutputTail();
        tail.push(`${'x '.repeat(at >> 1)}${token} ${text}\nnext line\n`);
        const kept = tail.text();
        for (let i = 0; i + 6 <= token.length; i++) expect(kept).not.toContain(token.slice(i, i + 6));
      }),
      { numRuns: 300 },
    );
  });

  it('a cut never leaves the start of a word at its edge', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,12}$/), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 }), (words, max) => {
        const line = words.join(' ');
        const cut = cutLine(line, max);
        if (line.length <= max) expect(cut).toBe(line);
        else for (const [i, kept] of cut.slice(0, -1).split(' ').filter(Boolean).entries()) expect(kept).toBe(words[i]);
      }),
    );
  });

  it('a tail split across chunks at any point is masked as if written at once', () => {
    fc.assert(
      fc.property(knownToken, fc.integer({ min: 0, max: 200 }), (token, split) => {
        const text = `start\nusing ${token} now\n-----BEGIN RSA PRIVATE KEY-----\nMIIZq9body\n-----END RSA PRIVATE KEY-----\nend`;
        const tail = new OutputTail();
        tail.push(text.slice(0, split));
        tail.push(text.slice(split));
        const kept = tail.text();
        expect(kept).not.toContain(token.slice(3));
        expect(kept).not.toContain('MIIZq9body');
        expect(kept).toContain('end');
      }),
    );
  });
});

describe('the dirty diff never leaks (property)', () => {
  const folder = fc.constantFrom('', 'config/', 'deploy/keys/', '.aws/', 'src/app/');
  const secretFile = fc.constantFrom(
    '.env',
    '.env.local',
    'prod.pem',
    'server.key',
    'id_rsa',
    'id_ed25519.pub',
    'credentials',
    '.netrc',
    '.npmrc',
    'secrets.yaml',
  );
  const codeFile = fc.constantFrom('train.py', 'config.yaml', 'README.md', 'settings.json');
  const value = fc.stringMatching(/^[A-Za-z0-9]{6,20}$/).map((s) => `Zq9${s}`);
  const section = (path: string, lines: string[]): string =>
    `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`;

  it('stores nothing of a secret file and no secret-named value of any other file', () => {
    fc.assert(
      fc.property(
        folder,
        secretFile,
        codeFile,
        value,
        fc.constantFrom('HF_TOKEN', 'db_password', 'apiKey', 'AWS_SECRET_ACCESS_KEY'),
        (dir, secret, code, planted, key) => {
          const diff =
            section(`${dir}${secret}`, [`ANY=${planted}`, planted]) + section(`${dir}${code}`, ['lr = 0.1', `${key} = "${planted}"`, `${key}: ${planted}`]);
          const masked = redactDiff(diff);
          expect(masked).not.toContain(planted);
          expect(masked).toContain(`# ${dir}${secret}: changes not stored`);
          expect(masked).toContain('+lr = 0.1');
        },
      ),
    );
  });
});
