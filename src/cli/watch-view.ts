/**
 * What `runpages watch` shows: the runs still running and those that just ended, with status,
 * progress and the time left at its pace, when they last reported, a sparkline of one metric's
 * series and their latest values, as plain text lines (pure: records, series and now in, text out).
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

/** "~12m left": the steps still to go at the pace so far (step / time since the run started), for a running run that said its total. */
export function eta(r: RunRecord, now: Date): string {
  if (r.status !== 'running' || r.step === undefined || r.total_steps === undefined || r.step <= 0 || r.step >= r.total_steps) return '–';
  const elapsed = (Date.parse(r.heartbeat ?? now.toISOString()) - Date.parse(r.created)) / 1000;
  if (!(elapsed > 0)) return '–';
  const left = ((r.total_steps - r.step) * elapsed) / r.step;
  return left < 60 ? `~${Math.max(1, Math.round(left))}s` : left < 3600 ? `~${Math.round(left / 60)}m` : `~${(left / 3600).toFixed(1)}h`;
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` finite values as block characters from lowest to highest (a flat series is a
 * flat line), or '–' without values.
 *
 * @example sparkline([1, 0.8, 0.5, 0.4]) // '█▅▂▁'
 */
export function sparkline(values: readonly number[], width = 16): string {
  const shown = values.filter(Number.isFinite).slice(-width);
  if (shown.length === 0) return '–';
  const low = Math.min(...shown);
  const span = Math.max(...shown) - low;
  return shown.map((value) => BARS[span === 0 ? 3 : Math.round(((value - low) / span) * (BARS.length - 1))]).join('');
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/**
 * The screen: a heading line, then one line per run (id, name, status, progress, time left, last
 * heartbeat, the trend of `trend.metric` when given, up to three latest values), each cut to `width`.
 *
 * @example renderWatch(watchedRuns(records, now), { now, width: 100, color, heading: 'runpages watch' })
 */
export function renderWatch(
  records: readonly RunRecord[],
  options: { now: Date; width: number; color: Colors; heading: string; trend?: { metric: string; values: ReadonlyMap<string, readonly number[]> } },
): string {
  const { now, color, trend } = options;
  const idLength = shortIdLength(records.map((r) => r.id));
  const rows = records.map((r) => {
    const values = Object.entries(r.metrics)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, 3)
      .map(([key, value]) => `${terminalText(key)}=${formatNumber(value)}`)
      .join(' ');
    return {
      r,
      cells: [
        r.id.slice(0, idLength),
        terminalText(r.name).slice(0, 32),
        r.status,
        progress(r),
        eta(r, now),
        ago(r.heartbeat ?? r.ended ?? r.created, now),
        ...(trend ? [sparkline(trend.values.get(r.id) ?? [])] : []),
        values || '–',
      ],
    };
  });
  const headers = ['id', 'name', 'status', 'progress', 'left', 'seen', ...(trend ? [terminalText(trend.metric).slice(0, 24)] : []), 'latest'];
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
