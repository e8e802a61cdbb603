/**
 * The machine a run ran on (docs/design.md#run-record `env`), captured by ALLOWLIST: only the facts named here ever
 * enter a record, never the whole environment.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { EnvInfo } from '../run/schema.ts';
import { sha256File } from '../store/hash.ts';
import { redactEnv } from './redact.ts';

/** Environment variables worth recording: where and on what a job ran, never what it was given. */
const ALLOWED_VARS = [
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
  'HIP_VISIBLE_DEVICES',
  'OMP_NUM_THREADS',
  'WORLD_SIZE',
  'LOCAL_WORLD_SIZE',
  'RANK',
  'LOCAL_RANK',
  'SLURM_JOB_ID',
  'SLURM_JOB_NAME',
  'SLURM_ARRAY_JOB_ID',
  'SLURM_ARRAY_TASK_ID',
  'SLURM_NNODES',
  'SLURM_NTASKS',
  'SLURM_CLUSTER_NAME',
  'PBS_JOBID',
  'LSB_JOBID',
  'GITHUB_RUN_ID',
  'GITHUB_RUN_ATTEMPT',
  'GITHUB_WORKFLOW',
  'GITHUB_SHA',
  'GITHUB_REF',
  'GITHUB_REPOSITORY',
  'CI_JOB_ID',
  'CI_PIPELINE_ID',
  'BUILDKITE_BUILD_NUMBER',
  'CONDA_DEFAULT_ENV',
  'VIRTUAL_ENV',
  'PYTHONHASHSEED',
  'TZ',
] as const;

/** Lock files in order of preference; the first one found (walking up to the repository root) is hashed. */
const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'uv.lock', 'poetry.lock', 'requirements.txt', 'environment.yml'] as const;

const PROBE_TIMEOUT_MS = 3000;

/** Runs a probe command; undefined when it is missing, fails or is slow. */
function probe(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (error) resolve(undefined);
      else resolve(`${stdout}${stderr}`.trim() || undefined);
    });
  });
}

async function gpus(): Promise<string[] | undefined> {
  const out = await probe('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader']);
  const names = out
    ?.split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return names?.length ? names : undefined;
}

async function pythonVersion(): Promise<string | undefined> {
  for (const command of ['python3', 'python']) {
    const out = await probe(command, ['--version']);
    const version = out && /Python (\S+)/.exec(out)?.[1];
    if (version) return version;
  }
  return undefined;
}

async function lockFile(cwd: string): Promise<EnvInfo['lock']> {
  for (let folder = cwd; ; folder = dirname(folder)) {
    for (const name of LOCK_FILES) {
      const path = join(folder, name);
      if (existsSync(path)) return { file: name, sha256: (await sha256File(path)).sha256 };
    }
    if (existsSync(join(folder, '.git')) || dirname(folder) === folder) return undefined;
  }
}

/** The allowlisted variables present in `env`, with secret-looking values masked just in case. */
function allowedVars(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const name of ALLOWED_VARS) {
    const value = env[name];
    if (value !== undefined && value !== '') vars[name] = value;
  }
  return redactEnv(vars);
}

/**
 * Captures the environment of this machine for a run started in `cwd`. Probes (GPU, python) have a
 * short timeout and never throw: a missing tool means the fact is left out.
 *
 * @example
 * const env = await captureEnvironment(process.cwd(), process.env);
 * // { os: 'linux 6.1.0', arch: 'x64', cpu: 'AMD EPYC …', cpus: 2, memory_gb: 7.8, runtimes: { node: '24.1.0' }, … }
 */
export async function captureEnvironment(cwd: string, env: NodeJS.ProcessEnv): Promise<EnvInfo> {
  const [gpu, python, lock] = await Promise.all([gpus(), pythonVersion(), lockFile(cwd).catch(() => undefined)]);
  const cpuList = cpus();
  const info: EnvInfo = {
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpus: cpuList.length,
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    runtimes: { node: process.versions.node, ...(python ? { python } : {}) },
  };
  const model = cpuList[0]?.model.trim();
  if (model) info.cpu = model;
  if (gpu) info.gpu = gpu;
  if (lock) info.lock = lock;
  const vars = allowedVars(env);
  if (Object.keys(vars).length) info.vars = vars;
  return info;
}
