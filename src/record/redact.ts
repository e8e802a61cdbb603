/**
 * Secret masking, applied before anything reaches a run record: params and env keys that look like
 * secrets, secret-looking command-line options, `KEY=value` prefixes, credentials in URLs and
 * well-known token formats in output text. Pure functions; the replacement is always `[redacted]`.
 */
import { setOwn } from '../run/keys.ts';

export const REDACTED = '[redacted]';

/** Words that make a key secret on their own (`hf_token`, `authToken`, `DB_PASSWORD`). */
const SECRET_WORDS = new Set([
  'token', 'secret', 'secrets', 'password', 'passwd', 'passphrase', 'credential', 'credentials',
  'auth', 'authorization', 'apikey', 'privatekey', 'cookie',
]);
/** Word pairs that make a key secret (`api_key`, `private-key`, `access_key`). */
const SECRET_PAIRS = new Set(['api key', 'private key', 'access key', 'client secret']);

/** Splits `authToken`, `AWS_SECRET_ACCESS_KEY`, `api-key` into lowercase words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * True when a key names a secret. Whole words only, so `max_tokens` and `tokenizer` stay visible
 * while `hf_token`, `apiKey` and `DB_PASSWORD` do not.
 */
export function isSecretKey(key: string): boolean {
  const parts = words(key);
  for (let i = 0; i < parts.length; i++) {
    if (SECRET_WORDS.has(parts[i]!)) return true;
    if (i + 1 < parts.length && SECRET_PAIRS.has(`${parts[i]} ${parts[i + 1]}`)) return true;
  }
  return false;
}

/**
 * Params (nested objects and lists) with every secret-looking key's value replaced, and credentials
 * masked inside string values.
 *
 * @example
 * redactParams({ lr: 0.1, hub: { token: 'hf_x' } }) // { lr: 0.1, hub: { token: '[redacted]' } }
 */
export function redactParams(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactParams);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) setOwn(out, key, isSecretKey(key) ? REDACTED : redactParams(inner));
  return out;
}

/** Environment variables with secret-looking names masked. */
export function redactEnv(vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) setOwn(out, key, isSecretKey(key) ? REDACTED : redactText(value));
  return out;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s@/]+@/gi;
const BEARER = /\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
/** Token formats that are secret wherever they appear (GitHub, Hugging Face, OpenAI-style, Slack, AWS key ids). */
const KNOWN_TOKENS = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g;
/**
 * `password=...`, `api_key: ...`, `"token": "..."` inside free text. The separator stays on one line:
 * across lines, YAML's `db:\n  password: x` would read as key `db` with value `password:`, hiding the secret.
 */
const KEY_VALUE = /(["']?)([A-Za-z0-9_.-]+)\1([ \t]*[=:][ \t]*)("[^"]*"|'[^']*'|[^\s,;&]+)/g;

/** Masks credentials in free text (output tails, string params): URL passwords, bearer tokens, `secret=value` pairs, known token formats. */
export function redactText(text: string): string {
  return text
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(BEARER, `$1$2${REDACTED}`)
    .replace(KNOWN_TOKENS, REDACTED)
    .replace(KEY_VALUE, (match, quote: string, key: string, sep: string) =>
      isSecretKey(key) ? `${quote}${key}${quote}${sep}${REDACTED}` : match,
    );
}

/**
 * Command-line arguments with secrets masked: `--token=abc` and `--password abc` (the value after a
 * secret-looking long option), `KEY=value` environment prefixes, and credentials inside any argument.
 * Short options (`-p`) are ambiguous (port? password?) and left alone.
 */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of args) {
    if (maskNext) {
      maskNext = false;
      if (!arg.startsWith('-')) {
        out.push(REDACTED);
        continue;
      }
    }
    const option = /^(--?[A-Za-z0-9][A-Za-z0-9_.-]*)(=)?/.exec(arg);
    if (option && arg.startsWith('--') && isSecretKey(option[1]!)) {
      if (option[2]) out.push(`${option[1]}=${REDACTED}`);
      else {
        out.push(arg);
        maskNext = true;
      }
      continue;
    }
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(arg);
    if (assignment && isSecretKey(assignment[1]!)) {
      out.push(`${assignment[1]}=${REDACTED}`);
      continue;
    }
    out.push(redactText(arg));
  }
  return out;
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
