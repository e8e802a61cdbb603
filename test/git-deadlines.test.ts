/**
 * Every git fetch and push ends: a remote that accepts the connection and never answers, one that
 * trickles a byte a second, and an ssh command that hangs are each stopped (ssh included) within
 * the configured bounds, with a reason that says the remote did not answer; the run stays queued
 * and `runpages sync` publishes it once the remote answers. Real TCP servers on 127.0.0.1.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GitTimeoutError } from '../src/git/exec.ts';
import { fetchBranch, gitTimeoutsFromEnv, pushRefs } from '../src/git/remote.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir } from './helpers/git.ts';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function tcpServer(serve: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Accepts and never answers, like a wedged `git daemon`. */
const silentPort = tcpServer(() => {});
/** Sends a pkt-line length prefix one byte a second, for ever. */
const tricklePort = tcpServer((socket) => {
  const timer = setInterval(() => socket.destroyed || socket.write('0'), 1_000);
  socket.on('close', () => clearInterval(timer));
});

const repo = makeTestRepo({ 'README.md': '# git deadlines\n', '.gitignore': '.runpages/\n' });
afterAll(() => repo.cleanup());

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['RUNPAGES_GIT_IDLE_TIMEOUT', 'RUNPAGES_GIT_TIMEOUT', 'GIT_SSH_COMMAND']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

async function timed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

/** A GIT_SSH_COMMAND that records its pid and hangs. */
function hangingSsh(): { command: string; pidFile: string } {
  const dir = tempDir();
  const pidFile = join(dir, 'ssh.pid');
  const script = join(dir, 'ssh');
  writeFileSync(script, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 600\n`);
  chmodSync(script, 0o755);
  return { command: script, pidFile };
}

/** Running, not gone or a zombie waiting for a parent that may never reap it (a container's init). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a git remote that does not answer', () => {
  it('that accepts and stays silent: fetch is stopped after the idle bound, saying so', async () => {
    process.env.RUNPAGES_GIT_IDLE_TIMEOUT = '1';
    const { error, ms } = await timed(fetchBranch(repo.dir, `git://127.0.0.1:${await silentPort}/repo.git`, 'runs'));
    expect(error).toBeInstanceOf(GitTimeoutError);
    expect((error as GitTimeoutError).stderr).toMatch(/^fatal: the remote did not answer to git fetch from "git:\/\/127\.0\.0\.1:\d+\/repo\.git" for 1 s/);
    expect((error as GitTimeoutError).stderr).toContain('RUNPAGES_GIT_IDLE_TIMEOUT=1');
    expect(ms).toBeLessThan(6_000);
  });

  it('that accepts and stays silent: push is stopped the same way', async () => {
    process.env.RUNPAGES_GIT_IDLE_TIMEOUT = '1';
    const head = git(repo.dir, 'rev-parse', 'HEAD');
    const { error, ms } = await timed(pushRefs(repo.dir, `git://127.0.0.1:${await silentPort}/repo.git`, [`${head}:refs/heads/runs`]));
    expect(error).toBeInstanceOf(GitTimeoutError);
    expect(ms).toBeLessThan(6_000);
  });

  it('that trickles a byte a second: the total bound stops it', async () => {
    process.env.RUNPAGES_GIT_IDLE_TIMEOUT = '30';
    process.env.RUNPAGES_GIT_TIMEOUT = '2';
    const { error, ms } = await timed(fetchBranch(repo.dir, `git://127.0.0.1:${await tricklePort}/repo.git`, 'runs'));
    // git gives up on the malformed pkt-line itself, or the bound stops it; either way it ends.
    expect(error).toBeDefined();
    expect(ms).toBeLessThan(8_000);
  });

  it('behind an ssh command that hangs: git and the ssh are both stopped', async () => {
    process.env.RUNPAGES_GIT_IDLE_TIMEOUT = '1';
    const ssh = hangingSsh();
    process.env.GIT_SSH_COMMAND = ssh.command;
    const { error, ms } = await timed(fetchBranch(repo.dir, 'ssh://git@runpages.invalid/repo.git', 'runs'));
    expect(error).toBeInstanceOf(GitTimeoutError);
    expect(ms).toBeLessThan(6_000);
    const pid = Number(readFileSync(ssh.pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(pid)).toBe(false);
  });
});

describe('git timeouts from the environment', () => {
  it('default to 60 s silent and 600 s in all', () => {
    expect(gitTimeoutsFromEnv({})).toEqual({ idleMs: 60_000, totalMs: 600_000 });
  });
  it('refuse a value that is not a positive number, naming the variable', () => {
    expect(() => gitTimeoutsFromEnv({ RUNPAGES_GIT_TIMEOUT: 'never' })).toThrow(/RUNPAGES_GIT_TIMEOUT="never" is not a positive number/);
  });
});

describe('runpages commit when origin hangs', () => {
  it('exits in bounded time with the run queued; sync publishes it once origin answers', async () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 1, "loss": 0.5}\n');
    git(repo.dir, 'remote', 'set-url', 'origin', `git://127.0.0.1:${await silentPort}/repo.git`);
    const env = { RUNPAGES_GIT_IDLE_TIMEOUT: '1' };
    const started = Date.now();
    const commit = await runCli(['commit', dir, '--project', 'hang', '--name', 'waiting'], { cwd: repo.dir, env, timeoutMs: 60_000 });
    expect(commit.signal).toBeNull();
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(commit.code).not.toBe(0);
    expect(commit.stderr).toContain('the remote did not answer');
    expect(commit.stderr).toContain('runpages sync');

    git(repo.dir, 'remote', 'set-url', 'origin', repo.origin);
    const sync = await runCli(['sync'], { cwd: repo.dir, timeoutMs: 60_000 });
    expect(sync.code, sync.stderr).toBe(0);
    expect(git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs')).toMatch(/runs\/hang\/.*\/run\.yaml/);
  }, 60_000);
});
