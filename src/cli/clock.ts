/**
 * The CLI's one clock. Every command that shows or counts time ("3 days ago", "runs in the last 7
 * days", `created > -7d`) reads `now` from here once and passes it down, so a build or a listing can be
 * reproduced: `RUNPAGES_NOW` (an ISO 8601 time or Unix seconds) or `--now` pins it, then
 * `SOURCE_DATE_EPOCH` (the reproducible-builds convention, seconds), else the real time.
 */
import { RunpagesError } from '../errors.ts';

/** Parses an ISO 8601 time or Unix seconds; undefined when it is neither. */
function parseInstant(text: string): Date | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return new Date(Number(trimmed) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * The time a command treats as now.
 * @example resolveNow({ flag: undefined, env: { RUNPAGES_NOW: '2026-11-22T00:00:00Z' } }) // 22 Nov 2026
 */
export function resolveNow(options: { flag?: string | undefined; env?: NodeJS.ProcessEnv; real?: () => Date } = {}): Date {
  const env = options.env ?? process.env;
  const sources: [string, string | undefined][] = [
    ['--now', options.flag],
    ['RUNPAGES_NOW', env.RUNPAGES_NOW],
    ['SOURCE_DATE_EPOCH', env.SOURCE_DATE_EPOCH],
  ];
  for (const [name, value] of sources) {
    if (value === undefined || value === '') continue;
    const instant = parseInstant(value);
    if (!instant) {
      throw new RunpagesError('invalid-now', `${name} is "${value}", which is not a time.`, {
        hint: 'Give an ISO 8601 time such as 2026-11-22T00:00:00Z, or Unix seconds.',
      });
    }
    return instant;
  }
  return (options.real ?? (() => new Date()))();
}

/** The help line for a command's `--now` option. */
export const NOW_OPTION_HELP = 'the time to count "ago" and "last 7 days" from (ISO 8601 or Unix seconds; default: RUNPAGES_NOW, SOURCE_DATE_EPOCH, else now)';
