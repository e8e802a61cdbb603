/**
 * Run data never drives the terminal: whatever a name, tag, param, note, path or key holds (OSC 52
 * clipboard writes, OSC 0 titles, OSC 8 links, CSI clear screen, C0/C1 controls, bidi overrides and
 * isolates), the human output of `ls`, `show` and `compare` (and the errors quoting run data) holds
 * no ESC, C1 or bidi character except our own SGR colour codes, with colour forced or off. The
 * renderers are checked as properties; the CLI as a user runs it, on runs carrying sampled payloads.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createColors } from 'picocolors';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRunDetail, findRun } from '../src/cli/run-detail.ts';
import { defaultColumns, renderRunTable } from '../src/cli/ls-table.ts';
import { terminalJson, terminalOutput, terminalText } from '../src/cli/terminal-text.ts';
import { compareRuns } from '../src/report/compare.ts';
import { comparisonMarkdown, comparisonText } from '../src/cli/compare-text.ts';
import { RunRecordSchema, type RunRecord } from '../src/run/schema.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { runPath } from './helpers/layout.ts';

/** The payloads the hostile corpus found, one per class. */
const PAYLOADS = [
  '\u001b]52;c;ZWNobyBvd25lZA==\u0007', // OSC 52: write the clipboard
  '\u001b]0;owned\u0007', // OSC 0: window title
  '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\', // OSC 8: hyperlink
  '\u001b[2J\u001b[H', // CSI: clear the screen
  '\u001b[31mred\u001b[0m', // SGR from run data: shown, not obeyed
  '\u009b2J', // C1 CSI
  '\u009d0;title\u009c', // C1 OSC
  '\u0007\u0008\r\n\u000b\u000c\u007f',
  '\u202eevil\u202c',
  '\u202a\u202b\u202d',
  '\u2066\u2067\u2068\u2069',
  '\u200e\u200f\u061c',
  '\u2028\u2029',
];
const DANGEROUS_CHAR = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** What the output may hold: text, newlines, tabs, and SGR colour codes. */
function assertTerminalSafe(output: string, label = ''): void {
  const withoutColour = output.replace(/\u001b\[[0-9;]*m/g, '');
  const bad = DANGEROUS_CHAR.exec(withoutColour);
  expect(
    bad,
    `${label}: raw U+${bad?.[0].charCodeAt(0).toString(16).padStart(4, '0')} near ${JSON.stringify(withoutColour.slice(Math.max(0, (bad?.index ?? 0) - 20), (bad?.index ?? 0) + 20))}`,
  ).toBeNull();
}

/** Strings that mix ordinary text with the payloads and arbitrary code points. */
const hostileText = fc
  .array(fc.oneof(fc.constantFrom(...PAYLOADS), fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(''));

function run(id: string, text: string, key: string): RunRecord {
  return RunRecordSchema.parse({
    schema: 'runpages/run@1',
    id,
    project: 'vision',
    name: `n${text}`,
    experiment: text,
    status: 'finished',
    created: '2026-11-06T12:00:00Z',
    ended: '2026-11-06T12:10:00Z',
    duration_s: 600,
    user: text,
    host: text,
    command: text,
    tags: [text, `k=${text}`],
    notes: `${text}\nsecond line ${text}`,
    output_tail: `${text}\n${text}`,
    params: { [key]: text, nested: { [key]: id.endsWith('A') ? 1 : text } },
    metrics: { [key]: id.endsWith('A') ? 0.5 : 0.7, acc: 0.9 },
    series: { [key]: { points: 3, stored: 3, last: 1 } },
    // Control characters cannot reach an artifact path (the schema refuses them); bidi controls can.
    artifacts: [{ path: `out/${text.replace(/[\\/\u0000-\u001f\u007f-\u009f]/g, '')}x.bin`, size: 10, sha256: 'a'.repeat(64) }],
    git: { commit: text, branch: text, remote: text, dirty: true },
    env: { os: text, cpu: text, gpu: [text], runtimes: { [key]: text }, vars: { [key]: text } },
    data: [{ name: `d${text}`, version: text, uri: text }],
  });
}

const NOW = new Date('2026-12-01T00:00:00Z');
const palettes = [createColors(true), createColors(false)];

describe('terminalText and terminalOutput', () => {
  it('show every payload as visible escapes, keeping the rest of the text', () => {
    expect(terminalText('a\u001b]52;c;aGk=\u0007b')).toBe('a\\x1b]52;c;aGk=\\x07b');
    expect(terminalText('x\u202ey')).toBe('x\\u202ey');
    expect(terminalText('\u009b2J')).toBe('\\x9b2J');
    expect(terminalText('line\nnext')).toBe('line\\x0anext');
    expect(terminalOutput('\u001b[1mbold\u001b[22m\n\u001b[2J')).toBe('\u001b[1mbold\u001b[22m\n\\x1b[2J');
  });

  it('leave no raw control or bidi character in any string (property)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.string({ unit: 'binary' })), (text) => {
        expect(terminalText(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
        assertTerminalSafe(terminalOutput(text));
        // Text without controls is left exactly as it was.
        if (!DANGEROUS_CHAR.test(text) && !/[\n\t]/.test(text)) expect(terminalText(text)).toBe(text);
      }),
    );
  });

  it('keep JSON valid and equal while escaping C1 and bidi characters (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(hostileText, hostileText), (value) => {
        const json = terminalJson(value);
        assertTerminalSafe(json);
        expect(JSON.parse(json)).toEqual(value);
      }),
    );
  });
});

describe('renderers given hostile run data (property)', () => {
  it('ls table, show detail, compare text and markdown carry no raw escape, colour on or off', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (text, key) => {
        const records = [run('01JDV0A000000000000000000A', text, key || 'k'), run('01JDV0B000000000000000000B', `${text}2`, key || 'k')];
        for (const color of palettes) {
          const columns = [...defaultColumns(records, undefined), { kind: 'tag', name: 'k' } as const, { kind: 'param', name: key || 'k' } as const];
          assertTerminalSafe(renderRunTable(records, { columns, now: NOW, width: 200, color }), 'ls');
          assertTerminalSafe(renderRunDetail(records[0]!, { now: NOW, color, children: [records[1]!] }), 'show');
          const comparison = compareRuns(records.map((record) => ({ record })));
          assertTerminalSafe(comparisonText(comparison, color), 'compare');
          assertTerminalSafe(comparisonMarkdown(comparison), 'compare --markdown');
        }
        for (const reference of [text, `${text}x`, '01JDV0']) {
          try {
            findRun(records, reference);
          } catch (error) {
            assertTerminalSafe((error as Error).message, 'findRun');
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps table rows one line each, whatever newlines a name holds', () => {
    const records = [run('01JDV0A000000000000000000A', 'a\nb\u2028c', 'k'), run('01JDV0B000000000000000000B', 'd\re', 'k')];
    const table = renderRunTable(records, {
      columns: defaultColumns(records, undefined),
      now: NOW,
      width: Number.POSITIVE_INFINITY,
      color: createColors(false),
    });
    expect(table.split('\n')).toHaveLength(3);
    assertTerminalSafe(table);
  });

  it('escapes Markdown and HTML from run names in compare --markdown', () => {
    const records = [
      run('01JDV0A000000000000000000A', '<img src=x onerror=alert(1)> @everyone [x](javascript:alert(1)) | pipe', 'k'),
      run('01JDV0B000000000000000000B', 'b', 'k'),
    ];
    const markdown = comparisonMarkdown(compareRuns(records.map((record) => ({ record }))));
    // Outside code spans (shown literally by GitHub), every markup character is escaped.
    const prose = markdown.replace(/`[^`\n]*`/g, '');
    expect(prose).not.toMatch(/(?<!\\)<img|(?<!\\)@everyone|(?<!\\)\[x|(?<!\\)\| pipe/);
    expect(prose).toContain('\\<img');
  });
});

describe('the CLI on runs carrying the payloads', () => {
  let work: string;
  const ids = ['01JDV0A000000000000000000A', '01JDV0B000000000000000000B', '01JDV0C000000000000000000C'];

  beforeAll(() => {
    work = tempDir('runpages-terminal-');
    // Sampled with a fixed seed, so the runs are the same on every machine.
    const texts = fc.sample(hostileText, { numRuns: ids.length, seed: 42 }).map((text, i) => `${PAYLOADS.join('')}${text}${i}`);
    ids.forEach((id, i) => {
      const dir = join(work, runPath('vision', '2026-11', id));
      mkdirSync(dir, { recursive: true });
      const record = run(id, texts[i]!, PAYLOADS[i % PAYLOADS.length]!);
      writeFileSync(join(dir, 'run.yaml'), stringify({ ...record, series: {} }));
    });
    writeFileSync(join(work, 'runs', 'vision', '2026-11', 'bad.yaml'), 'x');
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const commands: string[][] = [
    ['ls', '--from', 'runs'],
    ['ls', '--from', 'runs', '--columns', 'id,name,tags,user,params.nested'],
    ['show', ids[0]!, '--from', 'runs'],
    ['show', '\u001b]0;owned\u0007', '--from', 'runs'],
    ['compare', ids[0]!, ids[1]!, ids[2]!, '--from', 'runs'],
    ['compare', ids[0]!, ids[1]!, '--from', 'runs', '--markdown'],
  ];
  for (const args of commands) {
    for (const colour of ['forced', 'off'] as const) {
      it(`${args.slice(0, 2).join(' ')} ${args.includes('--markdown') ? '--markdown ' : ''}(colour ${colour}) prints no raw escape`, async () => {
        const env = colour === 'forced' ? { FORCE_COLOR: '1', NO_COLOR: undefined } : { NO_COLOR: '1' };
        const result = await runCli(args, { cwd: work, env });
        expect(result.stdout.length + result.stderr.length).toBeGreaterThan(0);
        assertTerminalSafe(result.stdout, 'stdout');
        assertTerminalSafe(result.stderr, 'stderr');
        if (colour === 'forced' && result.code === 0 && !args.includes('--markdown')) expect(result.stdout).toMatch(/\u001b\[[0-9;]*m/);
        if (result.code === 0) expect(result.stdout).toContain('\\x1b]52;c;');
      });
    }
  }

  it('ls --json stays valid JSON with the payloads intact as data', async () => {
    const result = await runCli(['ls', '--from', 'runs', '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    assertTerminalSafe(result.stdout);
    const records = JSON.parse(result.stdout) as RunRecord[];
    expect(records.map((r) => r.name).every((name) => name.includes(PAYLOADS.join('')))).toBe(true);
  });
});
