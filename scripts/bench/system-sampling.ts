/**
 * The cost of sampling system metrics (src/record/system.ts), for bench/README.md: a job of a few
 * processes, sampled back to back N times, and the CPU this process (and the nvidia-smi it waited
 * for) spent per sample, read from /proc/self/stat before and after. At the default interval that
 * is the share of one core the sampler takes.
 *
 *   sh scripts/with-node.sh node scripts/bench/system-sampling.ts [samples] [--fake-gpu]
 *
 * `--fake-gpu` puts a shell-script nvidia-smi on PATH (this machine has no GPU), so the figure
 * includes starting one process per sample; a real nvidia-smi costs what the driver makes it cost.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SYSTEM_INTERVAL_S, parseProcStat, SystemSampler } from '../../src/record/system.ts';

const samples = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 200);
const fakeGpu = process.argv.includes('--fake-gpu');
const temp = mkdtempSync(join(tmpdir(), 'runpages-bench-system-'));
let nvidiaSmi = join(temp, 'none');
if (fakeGpu) {
  nvidiaSmi = join(temp, 'nvidia-smi');
  writeFileSync(nvidiaSmi, "#!/bin/sh\nprintf '0, 87, 10240, 16384\\n'\n");
  chmodSync(nvidiaSmi, 0o755);
}
// A job of four processes: a shell and three sleeping children.
const job = spawn('sh', ['-c', 'sleep 600 & sleep 600 & sleep 600 & wait'], { stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 300));
const ticks = () => parseProcStat(readFileSync('/proc/self/stat', 'utf8'))?.ticks ?? 0;
const sampler = new SystemSampler({ rootPid: job.pid as number, nvidiaSmi });
await sampler.sample(0);
const before = ticks();
const started = performance.now();
let last: Record<string, number> = {};
for (let i = 1; i <= samples; i++) last = await sampler.sample(i * 1000);
const wallMs = performance.now() - started;
const cpuMs = ((ticks() - before) / 100) * 1000;
job.kill();
rmSync(temp, { recursive: true, force: true });
const perSample = cpuMs / samples;
const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
process.stdout.write(
  `${samples} samples of a 4-process job (${processes} processes on the machine${fakeGpu ? ', fake nvidia-smi' : ', no nvidia-smi'}): ` +
    `${perSample.toFixed(2)} ms CPU and ${(wallMs / samples).toFixed(2)} ms wall per sample; ` +
    `every ${DEFAULT_SYSTEM_INTERVAL_S} s that is ${((100 * perSample) / (DEFAULT_SYSTEM_INTERVAL_S * 1000)).toFixed(3)} % of one core\n` +
    `last sample: ${JSON.stringify(last)}\n`,
);
