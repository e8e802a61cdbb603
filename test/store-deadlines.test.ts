/**
 * Every call to an S3 store ends: an endpoint that accepts the connection and never answers, one
 * that trickles a byte at a time (headers or body), and one that keeps sending slowly for ever each
 * end in a `store-timeout` error that says the store did not answer and that `runpages sync` will
 * publish the queued run. Real TCP servers on 127.0.0.1; short configured timeouts keep it quick.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunpagesError, type RunpagesError } from '../src/errors.ts';
import { storeTimeoutsFromEnv, type StoreTimeouts } from '../src/store/deadlines.ts';
import { S3Store } from '../src/store/s3.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir } from './helpers/git.ts';
import { S3_TEST_CREDENTIALS, s3Env } from './helpers/s3.ts';

const SHA = 'a'.repeat(64);
const FAST: StoreTimeouts = { connectMs: 1_000, idleMs: 1_000, minProgressBytes: 1024, deadlineMs: 30_000 };

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A TCP server on 127.0.0.1 that hands every connection to `serve` (and never closes one itself). */
async function tcpServer(serve: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[index % text.length] ?? ' ');
    index++;
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

function store(endpoint: string, timeouts: StoreTimeouts = FAST): S3Store {
  return new S3Store('s3://deadline-test/runs', { endpoint, region: 'us-east-1', credentials: S3_TEST_CREDENTIALS, maxAttempts: 2, timeouts });
}

async function timedFailure(promise: Promise<unknown>): Promise<{ error: RunpagesError; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRunpagesError(error), String(error)).toBe(true);
  return { error: error as RunpagesError, ms: Date.now() - started };
}

const silent = tcpServer(() => {});
const trickleHeaders = tcpServer((socket) =>
  socket.once('data', () => trickle(socket, 'HTTP/1.1 200 OK\r\nx-amz-a: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n', 250)),
);
/** Answers each GET with headers for a large body, then sends it `chunk` bytes every `everyMs`. */
const slowBody = (chunk: number, everyMs: number): Promise<string> =>
  tcpServer((socket) =>
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000000\r\n\r\n');
      const timer = setInterval(() => socket.destroyed || socket.write(Buffer.alloc(chunk, 120)), everyMs);
      socket.on('close', () => clearInterval(timer));
    }),
  );

describe('an S3 endpoint that does not answer', () => {
  it('that accepts and stays silent: a lookup fails in bounded time, saying the store did not answer', async () => {
    const { error, ms } = await timedFailure(store(await silent).stat(SHA));
    expect(error.code).toBe('store-timeout');
    expect(error.message).toContain('did not answer in time to look up object');
    expect(error.hint).toContain('`runpages sync` publishes it');
    expect(error.hint).toContain('RUNPAGES_STORE_IDLE_TIMEOUT');
    expect(ms).toBeLessThan(10_000);
  });

  it('that trickles its headers a byte at a time: aborted for too little progress', async () => {
    const { error, ms } = await timedFailure(store(await trickleHeaders).stat(SHA));
    expect(error.code).toBe('store-timeout');
    expect(error.message).toContain('moved less than 1024 bytes in 1 s');
    expect(ms).toBeLessThan(10_000);
  });

  it("that trickles an upload's answer: putBytes fails the same way", async () => {
    const { error } = await timedFailure(store(await trickleHeaders).putBytes(new Uint8Array([1, 2, 3])));
    expect(error.code).toBe('store-timeout');
  });

  it("that trickles a download's body: aborted for too little progress", async () => {
    const { error, ms } = await timedFailure(store(await slowBody(1, 1_000)).getBytes(SHA));
    expect(error.code).toBe('store-timeout');
    expect(error.message).toContain('did not answer in time to download object');
    expect(ms).toBeLessThan(15_000);
  });

  it('that keeps sending slowly for ever: the operation deadline ends it', async () => {
    const { error, ms } = await timedFailure(store(await slowBody(4096, 100), { ...FAST, deadlineMs: 2_000 }).getBytes(SHA));
    expect(error.code).toBe('store-timeout');
    expect(error.message).toContain('gave up after 2 s (RUNPAGES_STORE_DEADLINE)');
    expect(ms).toBeGreaterThanOrEqual(1_900);
    expect(ms).toBeLessThan(8_000);
  });
});

describe('store timeouts from the environment', () => {
  it('default to 10 s connect, 60 s progress window, 1024 bytes, 30 min per operation', () => {
    expect(storeTimeoutsFromEnv({})).toEqual({ connectMs: 10_000, idleMs: 60_000, minProgressBytes: 1024, deadlineMs: 1_800_000 });
  });

  it('read seconds (decimals allowed) and bytes', () => {
    expect(
      storeTimeoutsFromEnv({
        RUNPAGES_STORE_CONNECT_TIMEOUT: '0.5',
        RUNPAGES_STORE_IDLE_TIMEOUT: '2',
        RUNPAGES_STORE_MIN_PROGRESS: '10',
        RUNPAGES_STORE_DEADLINE: '30',
      }),
    ).toEqual({
      connectMs: 500,
      idleMs: 2_000,
      minProgressBytes: 10,
      deadlineMs: 30_000,
    });
  });

  it.each(['0', '-1', 'soon', 'Infinity'])('refuse %s, naming the variable', (value) => {
    expect(() => storeTimeoutsFromEnv({ RUNPAGES_STORE_IDLE_TIMEOUT: value })).toThrow(/RUNPAGES_STORE_IDLE_TIMEOUT=.* is not a positive number/);
  });
});

describe('runpages commit against a store that never answers', () => {
  const repo = makeTestRepo({ 'README.md': '# deadline\n', '.gitignore': '.runpages/\n', 'runpages.config.yaml': 'store: s3://deadline-test/runs\n' });
  afterAll(() => repo.cleanup());

  it('exits in bounded time with the run queued, and says sync will publish it', async () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(join(dir, 'artifacts'), { recursive: true });
    writeFileSync(join(dir, 'artifacts', 'model.bin'), 'weights\n');
    const env = { ...s3Env(await silent), RUNPAGES_STORE_CONNECT_TIMEOUT: '1', RUNPAGES_STORE_IDLE_TIMEOUT: '1' };
    const started = Date.now();
    const result = await runCli(['commit', dir, '--project', 'deadline', '--name', 'stuck'], { cwd: repo.dir, env, timeoutMs: 60_000 });
    expect(result.signal).toBeNull();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('did not answer in time');
    expect(result.stderr).toContain('runpages sync');
    const list = await runCli(['sync', '--list'], { cwd: repo.dir });
    expect(list.stdout).toContain('stuck');
    expect(git(repo.origin, 'for-each-ref', 'refs/heads/runs')).toBe('');
  }, 60_000);
});
