/**
 * The run table's CSV download: no cell a spreadsheet would run as a formula (OWASP CSV injection),
 * plain numbers kept as numbers, RFC 4180 quoting that round-trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../site/src/scripts/table/csv.ts';

/** Undoes RFC 4180 quoting of one cell. */
function unquote(cell: string): string {
  return cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
}

const TRIGGERS = ['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];
const LEADING = ['', ' ', '  ', '\t', '\u3000', '\r\n', '\u0000'];

describe('csvCell', () => {
  it('neutralises the known formula payloads', () => {
    expect(csvCell('-1+HYPERLINK("http://evil.example","x")')).toBe(`"'-1+HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csvCell("=cmd|' /C calc'!A0")).toBe(`'=cmd|' /C calc'!A0`);
    expect(csvCell('@SUM(1)')).toBe(`'@SUM(1)`);
    expect(csvCell('＝1+1')).toBe(`'＝1+1`);
    expect(csvCell('  =1+1')).toBe(`'  =1+1`);
    expect(csvCell('\t=1')).toBe(`'\t=1`);
  });

  it('keeps plain numbers and ordinary text as they are', () => {
    for (const value of ['-0.5', '-12', '+3', '1e-3', '-2.5E+10', '.5', '0.93', 'brave-otter', 'lr=0.1', 'a b', '']) {
      expect(unquote(csvCell(value)), value).toBe(value);
    }
  });

  it('never lets a cell begin (after whitespace) with a formula character, unless it is a plain number (property)', () => {
    const payload = fc.tuple(fc.constantFrom(...LEADING), fc.constantFrom(...TRIGGERS), fc.string()).map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(fc.oneof(payload, fc.string(), fc.double().map(String)), (value) => {
        const text = unquote(csvCell(value));
        const isNumber = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(value);
        if (isNumber) expect(text).toBe(value);
        else expect(text).not.toMatch(/^[\s\u0000-\u001f\u3000]*[=+\-@＝＋－＠]/);
        // Nothing is lost: the original text follows the optional quote mark.
        expect(text === value || text === `'${value}`).toBe(true);
      }),
    );
  });

  it('quotes so that the cell parses back as one field (property)', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const cell = csvCell(value);
        if (/[",\r\n]/.test(cell.slice(1, -1)) || cell.startsWith('"')) {
          expect(cell.startsWith('"') && cell.endsWith('"')).toBe(true);
          expect(cell.slice(1, -1).replace(/""/g, '')).not.toContain('"');
        } else expect(cell).not.toMatch(/[",\r\n]/);
      }),
    );
  });
});
