/**
 * What `runpages watch` shows: the runs still running and those that just ended, with status,
 * progress, when they last reported and their latest values, as plain text lines (pure: records and
 * now in, text out).
 */
import type { Colors } from 'picocolors/types.js';
import type { RunRecord } from '../run/schema.ts';
import { paintStatus, shortIdLength } from './ls-table.ts';
import { terminalText } from './terminal-text.ts';

/** Runs that ended (or went quiet) less than this long ago stay on the screen. */
export const RECENT_S = 15 * 60;

/** Running runs and those that ended (or were last heard from) in the last {@link RECENT_S} seconds, newest first. */
export function watchedRuns(records: readonly RunRecord[], now: Date): RunRecord[] {
  const recent = (time: string | undefined): boolean => time !== undefined && now.getTime() - Date.parse(time) <= RECENT_S * 1000;
  return records.filter((r) => r.status === 'running' || recent(r.ended) || (r.status === 'crashed' && recent(r.heartbeat)));
}

/** "12s", "4m", "2h": how long ago, short. */
function ago(time: string | undefined, now: Date): string {
  if (time === undefined) return '–';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(time)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

function progress(r: RunRecord): string {
  if (r.step === undefined) return '–';
  if (r.total_steps === undefined || r.total_steps <= 0) return `step ${r.step}`;
  return `${r.step}/${r.total_steps} ${Math.min(100, Math.round((100 * r.step) / r.total_steps))}%`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/**
 * The screen: a heading line, then one line per run (id, name, status, progress, last heartbeat,
 * up to three latest values), each cut to `width`.
 *
 * @example renderWatch(watchedRuns(records, now), { now, width: 100, color, source: 'origin/runs' })
 */
export function renderWatch(records: readonly RunRecord[], options: { now: Date; width: number; color: Colors; heading: string }): string {
  const { now, color } = options;
  const idLength = shortIdLength(records.map((r) => r.id));
  const rows = records.map((r) => {
    const values = Object.entries(r.metrics)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, 3)
      .map(([key, value]) => `${terminalText(key)}=${formatNumber(value)}`)
      .join(' ');
    return {
      r,
      cells: [r.id.slice(0, idLength), terminalText(r.name).slice(0, 32), r.status, progress(r), ago(r.heartbeat ?? r.ended ?? r.created, now), values || '–'],
    };
  });
  const headers = ['id', 'name', 'status', 'progress', 'seen', 'latest'];
  const widths = headers.map((header, index) => Math.max(header.length, ...rows.map((row) => (row.cells[index] as string).length)));
  const cut = (text: string): string => (text.length <= options.width ? text : `${text.slice(0, Math.max(0, options.width - 1))}…`);
  const line = (cells: string[]) =>
    cut(
      cells
        .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] as number)))
        .join('  ')
        .trimEnd(),
    );
  const out = [options.heading, ''];
  if (rows.length === 0) out.push('No runs running or ended in the last 15 minutes.');
  else {
    out.push(color.bold(line(headers)));
    for (const { r, cells } of rows) {
      const text = line(cells);
      // Colour the status word only: widths were measured on the plain text.
      const at = (widths[0] as number) + 2 + (widths[1] as number) + 2;
      out.push(
        text.length > at
          ? text.slice(0, at) + paintStatus(text.slice(at, at + (widths[2] as number)), r.status, color) + text.slice(at + (widths[2] as number))
          : text,
      );
    }
  }
  return out.join('\n');
}
