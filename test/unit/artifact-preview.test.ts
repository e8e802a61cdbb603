import { describe, expect, it } from 'vitest';
import { artifactPreview, MAX_PREVIEW_ROWS, parseDelimited, previewable } from '../../src/site/artifact-preview.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('inline previews of small text artifacts', () => {
  it('parses CSV as RFC 4180 does: quoted separators, quotes and newlines', () => {
    expect(parseDelimited('a,b\n"x, y","say ""hi"""\n"two\nlines",3\r\n', ',')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', '3'],
    ]);
  });

  it('shows a CSV as a table of its first rows, and text as text, masked', () => {
    const csv = `epoch,acc\n${Array.from({ length: 80 }, (_, i) => `${i},0.${i}`).join('\n')}\n`;
    const table = artifactPreview('metrics.csv', 'text/csv', bytes(csv));
    expect(table).toMatchObject({ kind: 'table', columns: ['epoch', 'acc'], totalRows: 80 });
    expect(table?.kind === 'table' && table.rows).toHaveLength(MAX_PREVIEW_ROWS);
    const masked = artifactPreview('log.txt', 'text/plain', bytes('token=ghp_x\n'), (text) => text.replace(/ghp_\w+/, '[redacted]'));
    expect(masked).toEqual({ path: 'log.txt', kind: 'text', text: 'token=[redacted]\n', truncated: false });
    expect(artifactPreview('model.bin', 'text/plain', new Uint8Array([0xff, 0xfe, 0x00]))).toBeUndefined();
  });

  it('previews only small text types, never HTML', () => {
    expect(previewable('text/csv', 1000)).toBe(true);
    expect(previewable('text/html', 100)).toBe(false);
    expect(previewable('application/octet-stream', 100)).toBe(false);
    expect(previewable('text/plain', 10_000_000)).toBe(false);
  });
});
