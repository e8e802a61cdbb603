/**
 * System metrics of a running job (docs/recording.md#system-metrics): every interval (15 s by
 * default) the job's CPU use and memory, summed over its process tree and read from /proc, and each
 * GPU's utilisation and memory from `nvidia-smi` when it is on PATH. Samples go to `system.jsonl` in
 * the run directory, one JSON line each, with `step` the seconds since the run started (so runs
 * line up on /compare/), and become `system/...` series when the run is published.
 *
 * Cheap by design (bench/README.md has the figure): one read of each /proc/<pid>/stat to find the
 * tree, then one status file per process in it, and at most one nvidia-smi call per sample. On a
 * system without /proc only the GPUs are sampled; without either, nothing is written.
 */
import { execFile } from 'node:child_process';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { SYSTEM_SERIES_PREFIX } from '../run/keys.ts';

/** The file samples are appended to, beside metrics.jsonl. */
export const SYSTEM_FILE = 'system.jsonl';
/** Series names start with this. */
export const SYSTEM_PREFIX = SYSTEM_SERIES_PREFIX;
/** Seconds between samples when the config does not say. */
export const DEFAULT_SYSTEM_INTERVAL_S = 15;

/** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture it supports. */
const TICKS_PER_S = 100;
const NVIDIA_SMI_TIMEOUT_MS = 5000;
/** What nvidia-smi is asked for, in this order. */
const GPU_QUERY = 'index,utilization.gpu,memory.used,memory.total';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: CPU time of the process and of the children it waited for. */
  ticks: number;
}

/**
 * One line of /proc/<pid>/stat. The command name (in parentheses) may hold spaces and parentheses,
 * so fields are counted from the last `)`.
 *
 * @example parseProcStat('42 (python) S 1 42 42 0 -1 4194560 1 0 0 0 150 50 3 2 20 0 1 0 1 1 1') // { pid: 42, ppid: 1, ticks: 205 }
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  const fields = text.slice(close + 2).split(' ');
  // Counted from the state (field 3): ppid is 4, utime 14, stime 15, cutime 16, cstime 17.
  const at = (field: number) => Number(fields[field - 3]);
  const ticks = at(14) + at(15) + at(16) + at(17);
  if (!Number.isInteger(pid) || !Number.isFinite(at(4)) || !Number.isFinite(ticks)) return undefined;
  return { pid, ppid: at(4), ticks };
}

/**
 * The resident set size in kB from /proc/<pid>/status.
 *
 * @example parseRssKb('Name:\tpython\nVmRSS:\t  204800 kB\n') // 204800
 */
export function parseRssKb(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

export interface GpuSample {
  index: number;
  utilizationPercent?: number;
  memoryMb?: number;
  memoryTotalMb?: number;
}

/**
 * The output of `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total
 * --format=csv,noheader,nounits`: one line per GPU; a field it cannot read says `[N/A]` (or
 * `[Not Supported]`) and is left out.
 *
 * @example parseNvidiaSmi('0, 87, 10240, 16384\n') // [{ index: 0, utilizationPercent: 87, memoryMb: 10240, memoryTotalMb: 16384 }]
 */
export function parseNvidiaSmi(csv: string): GpuSample[] {
  const gpus: GpuSample[] = [];
  for (const line of csv.split('\n')) {
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length < 4) continue;
    const number = (text: string | undefined) => (text !== undefined && /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined);
    const index = number(fields[0]);
    if (index === undefined) continue;
    const gpu: GpuSample = { index };
    const utilization = number(fields[1]);
    const used = number(fields[2]);
    const total = number(fields[3]);
    if (utilization !== undefined) gpu.utilizationPercent = utilization;
    if (used !== undefined) gpu.memoryMb = used;
    if (total !== undefined) gpu.memoryTotalMb = total;
    gpus.push(gpu);
  }
  return gpus;
}

/**
 * `root` and every process below it, given each process's parent; the subtrees of `exclude` are
 * left out (the Python client's companion samples the job it belongs to, not itself).
 *
 * @example processTree(1, new Map([[2, 1], [3, 2], [4, 1]]), new Set([4])) // [1, 2, 3]
 */
export function processTree(root: number, parentOf: ReadonlyMap<number, number>, exclude: ReadonlySet<number> = new Set()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid) || exclude.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out.sort((a, b) => a - b);
}

/**
 * The `system/...` values of one sample, rounded for the record.
 *
 * @example systemValues({ cpuPercent: 187.5, memoryMb: 2048, gpus: [{ index: 0, utilizationPercent: 90 }] })
 * // { 'system/cpu_percent': 187.5, 'system/memory_mb': 2048, 'system/gpu0/utilization_percent': 90 }
 */
export function systemValues(sample: { cpuPercent?: number | undefined; memoryMb?: number | undefined; gpus: readonly GpuSample[] }): Record<string, number> {
  const values: Record<string, number> = {};
  const round = (value: number) => Math.round(value * 10) / 10;
  if (sample.cpuPercent !== undefined) values[`${SYSTEM_PREFIX}cpu_percent`] = round(sample.cpuPercent);
  if (sample.memoryMb !== undefined) values[`${SYSTEM_PREFIX}memory_mb`] = round(sample.memoryMb);
  for (const gpu of sample.gpus) {
    const prefix = `${SYSTEM_PREFIX}gpu${gpu.index}/`;
    if (gpu.utilizationPercent !== undefined) values[`${prefix}utilization_percent`] = round(gpu.utilizationPercent);
    if (gpu.memoryMb !== undefined) values[`${prefix}memory_mb`] = round(gpu.memoryMb);
    if (gpu.memoryMb !== undefined && gpu.memoryTotalMb) values[`${prefix}memory_percent`] = round((100 * gpu.memoryMb) / gpu.memoryTotalMb);
  }
  return values;
}

/**
 * The sampling interval in seconds, or undefined when sampling is off: `RUNPAGES_SYSTEM_INTERVAL`
 * (seconds; `0` or `off` turns it off for one job), else the config's `system.interval`
 * (`system: false` turns it off).
 */
export function systemInterval(
  config: Pick<Config, 'system'> | undefined,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void = () => {},
): number | undefined {
  const raw = env.RUNPAGES_SYSTEM_INTERVAL?.trim();
  if (raw !== undefined && raw !== '') {
    if (raw === '0' || raw.toLowerCase() === 'off' || raw.toLowerCase() === 'false') return undefined;
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds > 0) return seconds;
    warn(`RUNPAGES_SYSTEM_INTERVAL is "${raw}", not a number of seconds; using the config's interval`);
  }
  const system = config?.system ?? { interval: DEFAULT_SYSTEM_INTERVAL_S };
  return system === false ? undefined : system.interval;
}

export interface SamplerOptions {
  /** The job's process: it and everything below it are measured. */
  rootPid: number;
  /** Processes whose subtrees are not the job's (the sampler's own, when it runs inside the tree). */
  exclude?: ReadonlySet<number>;
  /** Where /proc is (tests may point elsewhere). */
  proc?: string;
  /** The nvidia-smi to run; found on PATH by default. */
  nvidiaSmi?: string;
}

/** Takes samples of one job; CPU % is measured between two calls, so the first has none. */
export class SystemSampler {
  readonly #options: SamplerOptions;
  readonly #proc: string;
  #last: { atMs: number; ticks: Map<number, number> } | undefined;
  /** False once /proc or nvidia-smi turned out to be missing, so they are not tried again. */
  #procWorks = true;
  #gpuWorks = true;

  constructor(options: SamplerOptions) {
    this.#options = options;
    this.#proc = options.proc ?? '/proc';
  }

  /** One sample at `atMs` (a monotonic or wall clock in ms: only differences count). */
  async sample(atMs: number): Promise<Record<string, number>> {
    const [tree, gpus] = await Promise.all([this.#procTree(atMs), this.#gpus()]);
    return systemValues({ ...tree, gpus });
  }

  async #procTree(atMs: number): Promise<{ cpuPercent?: number; memoryMb?: number }> {
    if (!this.#procWorks) return {};
    let entries: string[];
    try {
      entries = await readdir(this.#proc);
    } catch {
      this.#procWorks = false;
      return {};
    }
    const stats = new Map<number, ProcStat>();
    await Promise.all(
      entries
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const stat = parseProcStat(await readFile(join(this.#proc, name, 'stat'), 'utf8').catch(() => ''));
          if (stat) stats.set(stat.pid, stat);
        }),
    );
    if (!stats.has(this.#options.rootPid)) return {};
    const tree = processTree(this.#options.rootPid, new Map([...stats.values()].map((s) => [s.pid, s.ppid])), this.#options.exclude);
    const rss = await Promise.all(tree.map(async (pid) => parseRssKb(await readFile(join(this.#proc, String(pid), 'status'), 'utf8').catch(() => '')) ?? 0));
    const ticks = new Map(tree.map((pid) => [pid, (stats.get(pid) as ProcStat).ticks]));
    const out: { cpuPercent?: number; memoryMb?: number } = { memoryMb: rss.reduce((sum, kb) => sum + kb, 0) / 1024 };
    const last = this.#last;
    if (last && atMs > last.atMs) {
      // A process new since the last sample counts from 0; one gone is already in its parent's cutime.
      let used = 0;
      for (const [pid, now] of ticks) used += Math.max(0, now - (last.ticks.get(pid) ?? 0));
      out.cpuPercent = (100 * used) / TICKS_PER_S / ((atMs - last.atMs) / 1000);
    }
    this.#last = { atMs, ticks };
    return out;
  }

  #gpus(): Promise<GpuSample[]> {
    if (!this.#gpuWorks) return Promise.resolve([]);
    return new Promise((resolve) => {
      const command = this.#options.nvidiaSmi ?? 'nvidia-smi';
      execFile(
        command,
        [`--query-gpu=${GPU_QUERY}`, '--format=csv,noheader,nounits'],
        { timeout: NVIDIA_SMI_TIMEOUT_MS, encoding: 'utf8', windowsHide: true },
        (error, stdout) => {
          if (error) {
            // Not installed (or no driver): stop asking. A slow or failing call is tried again next time.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT' || typeof error.code === 'number') this.#gpuWorks = false;
            resolve([]);
            return;
          }
          resolve(parseNvidiaSmi(stdout));
        },
      );
    });
  }
}

export interface SystemMetrics {
  /** Stops sampling and waits for the sample in flight to be written. */
  stop(): Promise<void>;
}

/**
 * Samples the job every `intervalS` seconds into `<dir>/system.jsonl`, on an unreferenced timer,
 * beside the job and never in its way: a failed sample is dropped. The first sample comes after
 * min(1 s, interval) (it sets the CPU baseline and records memory), then one every interval.
 *
 * @example
 * const system = startSystemMetrics({ dir: session.dir, rootPid: child.pid, intervalS: 15, startedAt: session.startedAt });
 * // ... the job runs ...
 * await system.stop();
 */
export function startSystemMetrics(options: SamplerOptions & { dir: string; intervalS: number; startedAt: Date; now?: () => Date }): SystemMetrics {
  const sampler = new SystemSampler(options);
  const now = options.now ?? (() => new Date());
  const file = join(options.dir, SYSTEM_FILE);
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const take = async (): Promise<void> => {
    const at = now();
    const values = await sampler.sample(performance.now());
    if (Object.keys(values).length === 0) return;
    const step = Math.max(0, Math.round((at.getTime() - options.startedAt.getTime()) / 1000));
    await appendFile(file, `${JSON.stringify({ step, time: at.getTime() / 1000, ...values })}\n`);
  };
  const tick = (): void => {
    if (stopped) return;
    inFlight ??= take()
      .catch(() => {})
      .finally(() => {
        inFlight = undefined;
      });
    timer = setTimeout(tick, options.intervalS * 1000);
    timer.unref();
  };
  timer = setTimeout(tick, Math.min(1, options.intervalS) * 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
