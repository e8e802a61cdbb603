import { describe, expect, it } from 'vitest';
import { diffView, MAX_DIFF_LINES } from '../../src/site/diff-view.ts';

const PATCH = `diff --git a/train.py b/train.py
index 83db48f..bf2a3c1 100644
--- a/train.py
+++ b/train.py
@@ -1,3 +1,3 @@
 import torch
-lr = 0.1
+lr = 0.01
 print(lr)
diff --git a/conf/---.yaml b/conf/---.yaml
new file mode 100644
--- /dev/null
+++ b/conf/---.yaml
@@ -0,0 +1 @@
+--- a: 1
\\ No newline at end of file
`;

describe('the dirty-tree patch as a highlighted unified diff', () => {
  it('classifies headers, hunks, additions, removals and context, and counts them', () => {
    const view = diffView(PATCH);
    expect(view.files).toEqual(['train.py', 'conf/---.yaml']);
    expect(view.added).toBe(2);
    expect(view.removed).toBe(1);
    expect(view.lines.map((line) => line.kind)).toEqual([
      'file',
      'meta',
      'meta',
      'meta',
      'hunk',
      'context',
      'del',
      'add',
      'context',
      'file',
      'meta',
      'meta',
      'meta',
      'hunk',
      'add',
      'context',
    ]);
    // "---" and "+++" file headers are not changes; a changed line starting with "---" is.
    expect(view.lines[14]).toEqual({ kind: 'add', text: '+--- a: 1' });
  });

  it('keeps the first lines of a long patch and says how many are left out', () => {
    const long = `diff --git a/x b/x\n@@ -1 +1 @@\n${'+x\n'.repeat(MAX_DIFF_LINES + 10)}`;
    const view = diffView(long);
    expect(view.lines).toHaveLength(MAX_DIFF_LINES);
    expect(view.truncated).toBe(12);
    expect(view.added).toBe(MAX_DIFF_LINES + 10);
  });
});
