/**
 * System metrics as data: /proc lines, nvidia-smi's CSV, the job's process tree, the values
 * recorded, and the interval rules; then a sampler over a /proc laid out in a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { parseNvidiaSmi, parseProcStat, parseRssKb, processTree, SystemSampler, systemInterval, systemValues } from '../../src/record/system.ts';

const stat = (pid: number, ppid: number, ticks: [number, number, number, number], name = 'python') =>
  `${pid} (${name}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${ticks.join(' ')} 20 0 1 0 100 1000 50\n`;

describe('parsing /proc and nvidia-smi', () => {
  it('reads ppid and CPU ticks from a stat line, even when the command name holds spaces and parentheses', () => {
    expect(parseProcStat(stat(42, 1, [150, 50, 3, 2]))).toEqual({ pid: 42, ppid: 1, ticks: 205 });
    expect(parseProcStat(stat(7, 42, [1, 2, 0, 0], 'my (odd) job'))).toEqual({ pid: 7, ppid: 42, ticks: 3 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('reads VmRSS in kB, and nothing from a kernel thread without one', () => {
    expect(parseRssKb('Name:\tpython\nVmPeak:\t 9000 kB\nVmRSS:\t  204800 kB\n')).toBe(204800);
    expect(parseRssKb('Name:\tkthreadd\n')).toBeUndefined();
  });

  it('reads the CSV nvidia-smi prints for --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits', () => {
    expect(parseNvidiaSmi('0, 87, 10240, 16384\n1, 3, 512, 16384\n')).toEqual([
      { index: 0, utilizationPercent: 87, memoryMb: 10240, memoryTotalMb: 16384 },
      { index: 1, utilizationPercent: 3, memoryMb: 512, memoryTotalMb: 16384 },
    ]);
    expect(parseNvidiaSmi('0, [N/A], 100, 4096\n')).toEqual([{ index: 0, memoryMb: 100, memoryTotalMb: 4096 }]);
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
  });
});

describe('the job and its values', () => {
  it('is the root and everything below it, without the subtrees excluded', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
    ]);
    expect(processTree(10, parents)).toEqual([10, 11, 12, 13]);
    expect(processTree(10, parents, new Set([11]))).toEqual([10, 13]);
    expect(processTree(99, parents)).toEqual([99]);
  });

  it('names every value under system/, rounded, GPUs by index', () => {
    expect(systemValues({ cpuPercent: 187.54, memoryMb: 2048.06, gpus: [{ index: 0, utilizationPercent: 90, memoryMb: 4096, memoryTotalMb: 16384 }] })).toEqual(
      {
        'system/cpu_percent': 187.5,
        'system/memory_mb': 2048.1,
        'system/gpu0/utilization_percent': 90,
        'system/gpu0/memory_mb': 4096,
        'system/gpu0/memory_percent': 25,
      },
    );
    expect(systemValues({ gpus: [] })).toEqual({});
  });

  it('takes the interval from RUNPAGES_SYSTEM_INTERVAL, then the config; 0, off and system: false turn it off', () => {
    expect(systemInterval(parseConfig({}), {})).toBe(15);
    expect(systemInterval(parseConfig({ system: { interval: 30 } }), {})).toBe(30);
    expect(systemInterval(parseConfig({ system: false }), {})).toBeUndefined();
    expect(systemInterval(parseConfig({}), { RUNPAGES_SYSTEM_INTERVAL: '0.5' })).toBe(0.5);
    expect(systemInterval(parseConfig({}), { RUNPAGES_SYSTEM_INTERVAL: 'off' })).toBeUndefined();
    const warnings: string[] = [];
    expect(systemInterval(parseConfig({}), { RUNPAGES_SYSTEM_INTERVAL: 'often' }, (w) => warnings.push(w))).toBe(15);
    expect(warnings[0]).toContain('RUNPAGES_SYSTEM_INTERVAL is "often"');
  });
});

describe('a sampler', () => {
  it('sums RSS over the tree, measures CPU between samples, and stops asking a missing nvidia-smi', async () => {
    const proc = mkdtempSync(join(tmpdir(), 'runpages-proc-'));
    try {
      const write = (pid: number, ppid: number, ticks: [number, number, number, number], rssKb: number) => {
        mkdirSync(join(proc, String(pid)), { recursive: true });
        writeFileSync(join(proc, String(pid), 'stat'), stat(pid, ppid, ticks));
        writeFileSync(join(proc, String(pid), 'status'), `Name:\tx\nVmRSS:\t${rssKb} kB\n`);
      };
      write(10, 1, [100, 0, 0, 0], 1024);
      write(11, 10, [50, 0, 0, 0], 2048);
      write(20, 1, [9999, 0, 0, 0], 999_999);
      const sampler = new SystemSampler({ rootPid: 10, proc, nvidiaSmi: join(proc, 'no-such-nvidia-smi') });
      expect(await sampler.sample(0)).toEqual({ 'system/memory_mb': 3 });
      // 2 s later the tree used 300 more ticks (3 s of CPU): 150 % of a core.
      write(10, 1, [250, 0, 0, 0], 1024);
      write(11, 10, [200, 0, 0, 0], 2048);
      expect(await sampler.sample(2000)).toEqual({ 'system/cpu_percent': 150, 'system/memory_mb': 3 });
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });
});
