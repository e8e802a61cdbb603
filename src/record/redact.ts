/**
 * Secret masking: the one redactor every field that leaves the machine goes through. `prepareRunDir`
 * applies {@link redactRecord} to the whole record (params, command, env, git, notes, output tail,
 * datasets, tags, unknown fields) and {@link redactDiff} to the dirty diff, so every writer (the
 * recorder, the TypeScript API, the Python client, the importers) is covered by one call; the
 * earlier calls at capture time only keep secrets off the local disk too.
 *
 * The rules are data, in `secret-rules.json`, which the Python client reads as well: one rule set.
 * Pure functions; the replacement is always `[redacted]`.
 */
import { setOwn } from '../run/keys.ts';
import rules from './secret-rules.json' with { type: 'json' };

export const REDACTED = rules.replacement;

interface PrefixRule {
  /** Group 1 is kept; the rest of the match becomes `[redacted]` followed by `suffix`. */
  pattern: RegExp;
  suffix: string;
}

const SECRET_KEY = new RegExp(rules.secretKey);
const NOT_SECRET_KEY = new RegExp(rules.notSecretKey, 'g');
const KNOWN_TOKENS = rules.knownTokens.map((rule) => new RegExp(rule.pattern, `g${rule.flags}`));
const PREFIX_RULES: PrefixRule[] = rules.prefixRules.map((rule) => ({
  pattern: new RegExp(rule.pattern, `g${rule.flags}`),
  suffix: 'suffix' in rule && typeof rule.suffix === 'string' ? rule.suffix : '',
}));
const OPTION = new RegExp(rules.option, 'g');
const KEY_VALUE = new RegExp(rules.keyValue, 'g');

/** `authToken` -> `auth_token`, `PGPASSWORD` -> `pgpassword`, `--pwd` -> `pwd`: the form the key rules are written for. */
function normaliseKey(key: string): string {
  return key
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * True when a key names a secret. Secret words count anywhere in the name, with or without
 * separators (`hf_token`, `PGPASSWORD`, `MYSQLPWD`, `AWSSECRETKEY`, `wandb.api_key`), but counts
 * and tools named after tokens or authors stay visible: `max_tokens`, `num_tokens`, `tokenizer`,
 * `author`, and the shell's `PWD`/`OLDPWD` (a folder, not a password).
 */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(normaliseKey(key).replace(NOT_SECRET_KEY, ' '));
}

/**
 * `key=value`-shaped matches of `pattern` whose key is secret, masked. Scans by hand so that a
 * match with an ordinary key (`https:` in `https://h/?token=x`) does not swallow the pairs after it:
 * the scan resumes right after that key's separator.
 */
function maskPairs(text: string, pattern: RegExp, keyGroup: number, valueGroup: number): string {
  let out = '';
  let last = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const value = match[valueGroup]!;
    const valueStart = match.index + match[0].length - value.length;
    if (isSecretKey(match[keyGroup]!)) {
      out += text.slice(last, valueStart) + REDACTED;
      last = match.index + match[0].length;
    } else {
      pattern.lastIndex = valueStart;
    }
  }
  return out + text.slice(last);
}

/**
 * Masks credentials in free text (output tails, notes, string params, one argument): known token
 * formats (GitHub, GitLab, Hugging Face, OpenAI, Stripe, Slack, AWS, Google, npm, PyPI, JWTs, PEM
 * private keys), Authorization headers, bearer tokens, URL user info, `--secret-option value` and
 * `secret_key=value` / `"secret": "value"` pairs.
 *
 * @example redactText('HF_TOKEN=abc git push https://ghp_x@github.com/o/r') // 'HF_TOKEN=[redacted] git push https://[redacted]@github.com/o/r'
 */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of KNOWN_TOKENS) out = out.replace(pattern, REDACTED);
  for (const rule of PREFIX_RULES) out = out.replace(rule.pattern, (_match, kept: string) => `${kept}${REDACTED}${rule.suffix}`);
  out = maskPairs(out, OPTION, 1, 3);
  return maskPairs(out, KEY_VALUE, 2, 4);
}

/** A long option whose value is the next argument: `--password x`, `-token x` (not `-p`: port? password?). */
function isSecretOption(arg: string): boolean {
  return /^--?[A-Za-z][A-Za-z0-9_.-]+$/.test(arg) && isSecretKey(arg);
}

/**
 * A list with secrets masked the way a command line is: the value after a secret-looking option
 * (`["--password", "x"]`), `--token=x`, `KEY=value` and Hydra's `db.password=x` elements, and
 * credentials inside any element; non-string elements are redacted as params.
 */
function redactList(list: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  let maskNext = false;
  for (const item of list) {
    if (maskNext) {
      maskNext = false;
      if (!(typeof item === 'string' && item.startsWith('-'))) {
        out.push(REDACTED);
        continue;
      }
    }
    if (typeof item === 'string' && isSecretOption(item)) {
      out.push(item);
      maskNext = true;
      continue;
    }
    out.push(redactParams(item));
  }
  return out;
}

/**
 * Params (nested objects and lists) with every secret-looking key's value replaced, lists masked
 * like command lines, and credentials masked inside string values.
 *
 * @example
 * redactParams({ lr: 0.1, hub: { token: 'hf_x' } }) // { lr: 0.1, hub: { token: '[redacted]' } }
 */
export function redactParams(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return redactList(value);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) setOwn(out, key, isSecretKey(key) ? REDACTED : redactParams(inner));
  return out;
}

/** Environment variables with secret-looking names masked. */
export function redactEnv(vars: Record<string, string>): Record<string, string> {
  return redactParams(vars) as Record<string, string>;
}

/** Command-line arguments with secrets masked (see {@link redactParams} for lists). */
export function redactArgs(args: readonly string[]): string[] {
  return redactList(args) as string[];
}

/** Quotes one argument for display as a POSIX shell word. */
function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as one masked, shell-quoted string for the run record. */
export function redactCommand(args: readonly string[]): string {
  return redactArgs(args).map(shellQuote).join(' ');
}

/** Fields of a run record that hold no free text a secret could hide in (ids, times, numbers, hashes). */
const STRUCTURAL_FIELDS = new Set([
  'schema',
  'id',
  'project',
  'status',
  'created',
  'ended',
  'duration_s',
  'exit_code',
  'metrics',
  'series',
  'artifacts',
  'parents',
]);

/**
 * A whole run record, redacted: every field but the structural ones (ids, times, metrics, series,
 * artifact hashes) goes through the params rules, so notes, the command, git remote, environment,
 * datasets, tags, the output tail and unknown fields all follow one rule set.
 *
 * @example redactRecord({ id: '01J…', notes: 'pushed with ghp_…' }) // { id: '01J…', notes: 'pushed with [redacted]' }
 */
export function redactRecord(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, STRUCTURAL_FIELDS.has(key) ? value : isSecretKey(key) ? REDACTED : redactParams(value)]),
  );
}

/** Files whose changes are never stored, even redacted: they exist to hold secrets. */
const SECRET_FILE =
  /(?:^|\/)(?:\.env(?:\.[^/]*)?|[^/]*\.(?:pem|key|p12|pfx|jks|keystore|ppk)|id_(?:rsa|dsa|ecdsa|ed25519)[^/]*|credentials(?:\.[^/]*)?|\.netrc|\.npmrc|\.pypirc|\.git-credentials|\.htpasswd|secrets?\.(?:ya?ml|json|toml|env))$/i;

/** True when a repository path names a file that holds secrets (`.env`, `*.pem`, `id_rsa`, `.aws/credentials`, ...). */
export function isSecretFile(path: string): boolean {
  return SECRET_FILE.test(path);
}

/**
 * A `git diff` with secrets masked in every line and the sections of secret-holding files
 * ({@link isSecretFile}) replaced by one comment line naming the file. The masked patch may no
 * longer apply where a secret was changed; that is the point.
 */
export function redactDiff(diff: string): string {
  const sections = diff.split(/(?=^diff --git )/m);
  return sections
    .map((section) => {
      const header = /^diff --git (?:"?a\/(.*?)"?) (?:"?b\/(.*?)"?)$/m.exec(section.split('\n', 1)[0]!);
      const paths = header ? [header[1]!, header[2]!] : [];
      if (paths.some(isSecretFile)) return `# ${redactText(paths[1] ?? paths[0]!)}: changes not stored (the file looks like it holds secrets)\n`;
      return redactText(section);
    })
    .join('');
}

/**
 * The first `max` characters of a line, marked `…` when cut. A cut inside a word drops that whole
 * word, so no beginning of a token (or of a secret value) is ever left at the edge.
 */
export function cutLine(line: string, max: number): string {
  if (line.length <= max) return line;
  let head = line.slice(0, max);
  if (!/\s/.test(line[max]!)) head = head.slice(0, head.search(/\S*$/));
  return `${head}…`;
}

/**
 * The values of secret-named environment variables (`MY_API_KEY`, `HF_TOKEN`), long enough (8+
 * characters) that masking them cannot garble ordinary text. A job that prints `$MY_API_KEY` or passes
 * it as an argument leaks it with no key beside it; these values let {@link maskValues} catch that.
 *
 * @example secretValues({ HF_TOKEN: 'abcdefgh12', HOME: '/root' }) // ['abcdefgh12']
 */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const values = Object.entries(env)
    .filter(([key, value]) => value !== undefined && value.length >= 8 && isSecretKey(key))
    .map(([, value]) => value as string);
  // Longest first, so a secret containing another is masked whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each of `values` replaced by `[redacted]`. */
export function maskValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) out = out.split(value).join(REDACTED);
  return out;
}
