/**
 * Recording figure for the Python client (clients/python, package `runpages`): the cost of `run.log()` over
 * many calls with the machine's python3, and the time leaving the `with` block then takes (flush,
 * `runpages commit`: downsample, commit, push).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_GIT_ENV } from './recording.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SCRIPT = `
import json, sys, time
import runpages
calls = int(sys.argv[1])
loss = 2.3
with runpages.start(project="bench-python", params={"lr": 0.001}) as run:
    started = time.perf_counter()
    for step in range(calls):
        loss *= 0.999995
        run.log({"train/loss": loss, "lr": 0.001}, step=step)
    logged = time.perf_counter()
finished = time.perf_counter()
print(json.dumps({"perCallUs": (logged - started) * 1e6 / calls, "finishS": finished - logged}))
`;

/** Per-call cost of the Python client's `run.log()` over `calls` calls in `checkout`, and the finish time. */
export function measurePythonLog(checkout: string, calls: number): Promise<{ perCallUs: number; finishS: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', SCRIPT, String(calls)], {
      cwd: checkout,
      env: {
        ...process.env,
        ...BENCH_GIT_ENV,
        PYTHONPATH: join(ROOT, 'clients', 'python', 'src'),
        RUNPAGES_BIN: `${process.execPath} ${join(ROOT, 'bin', 'runpages.js')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`python3 exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
      if (stderr.includes('RunpagesWarning'))
        return reject(
          new Error(
            stderr
              .trim()
              .split('\n')
              .find((line) => line.includes('RunpagesWarning')) ?? 'warning',
          ),
        );
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { perCallUs: number; finishS: number });
    });
  });
}
