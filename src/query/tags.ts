/**
 * Tags as the run record stores them: strings. A label is `baseline`; a key/value tag is
 * `key:value` (older records also `key=value`). So that a key holding `:` or `=` (MLflow's
 * `team:ml` = `x`) keeps its value apart, those characters and `\` are escaped in the key with a
 * backslash: `team\:ml:x`. Records written before keys were escaped read the same, except for a
 * key that had a `:` or `=` in it, which never read right.
 */

/** The stored text of a key/value tag (`value` undefined or empty: a label). */
export function formatTag(key: string, value?: string): string {
  const escaped = key.replace(/[\\:=]/g, (char) => `\\${char}`);
  return value === undefined || value === '' ? escaped : `${escaped}:${value}`;
}

/** A stored tag's key and value; a label's value is undefined. */
export function parseTag(tag: string): { key: string; value: string | undefined } {
  let key = '';
  for (let i = 0; i < tag.length; i++) {
    const char = tag[i] as string;
    const next = tag[i + 1];
    if (char === '\\' && (next === ':' || next === '=' || next === '\\')) {
      key += next;
      i++;
    } else if (char === ':' || char === '=') {
      return { key, value: tag.slice(i + 1) };
    } else {
      key += char;
    }
  }
  return { key, value: undefined };
}

/** What `tags.<name>` reads from one stored tag: its value, `'true'` for a label, undefined for another key. */
export function tagValue(tag: string, name: string): string | undefined {
  // Most tags are not the one asked for: a cheap test before parsing.
  if (!tag.startsWith(name) && !tag.includes('\\')) return undefined;
  const { key, value } = parseTag(tag);
  if (key !== name) return undefined;
  return value ?? 'true';
}
