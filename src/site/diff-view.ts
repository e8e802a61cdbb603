/**
 * The dirty-tree patch `record` stores (`git.diff`, an object in the store) as a highlighted unified
 * diff: each line classified (file header, hunk, added, removed, context) for the run page to render
 * as escaped text with a class per line. Pure; the build reads the patch (see build.ts).
 */

export type DiffLineKind = 'file' | 'meta' | 'hunk' | 'add' | 'del' | 'context';

export interface DiffView {
  /** Files the patch touches, in order. */
  files: string[];
  lines: { kind: DiffLineKind; text: string }[];
  added: number;
  removed: number;
  /** Lines left out past {@link MAX_DIFF_LINES}. */
  truncated: number;
}

/** Lines of a patch shown on a page (the whole patch stays in the store). */
export const MAX_DIFF_LINES = 3000;
/** Patches larger than this are not read for the site. */
export const MAX_DIFF_BYTES = 1024 * 1024;

/**
 * A unified diff's lines, classified.
 *
 * @example diffView('diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n').added // 1
 */
export function diffView(patch: string): DiffView {
  const all = patch.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const lines: DiffView['lines'] = [];
  const files: string[] = [];
  let added = 0;
  let removed = 0;
  let inHunk = false;
  for (const text of all) {
    let kind: DiffLineKind;
    if (text.startsWith('diff --git ')) {
      kind = 'file';
      inHunk = false;
      const name = /^diff --git a\/(.*) b\/(.*)$/.exec(text)?.[2];
      if (name !== undefined) files.push(name);
    } else if (text.startsWith('@@')) {
      kind = 'hunk';
      inHunk = true;
    } else if (inHunk && text.startsWith('+')) kind = 'add';
    else if (inHunk && text.startsWith('-')) kind = 'del';
    else if (inHunk && (text.startsWith(' ') || text === '' || text.startsWith('\\'))) kind = 'context';
    else kind = 'meta';
    if (kind === 'add') added++;
    if (kind === 'del') removed++;
    if (lines.length < MAX_DIFF_LINES) lines.push({ kind, text });
  }
  return { files, lines, added, removed, truncated: Math.max(0, all.length - MAX_DIFF_LINES) };
}
