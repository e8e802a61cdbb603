/**
 * Deadlines for the object store's network calls. The AWS SDK alone waits forever for an endpoint
 * that accepts the connection and never answers (its `requestTimeout` only logs a warning), and a
 * socket that trickles one byte every few seconds defeats any inactivity timer. So every request
 * gets three bounds:
 *
 * - connect: the TCP (and TLS) connection must be up within `connectMs`;
 * - progress: while a request is in flight, its socket must move at least `minProgressBytes` (sent
 *   plus received) in every `idleMs` window, or it is destroyed (bodies included, both ways);
 * - deadline: one store operation (a lookup, an upload, a download, retries included) ends after
 *   `deadlineMs` whatever happens.
 *
 * Each comes from the environment (seconds, decimals allowed), read once when a store opens.
 */
import { Agent as HttpAgent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import { RunpagesError } from '../errors.ts';

export interface StoreTimeouts {
  /** RUNPAGES_STORE_CONNECT_TIMEOUT (s), default 10. */
  connectMs: number;
  /** RUNPAGES_STORE_IDLE_TIMEOUT (s), default 60: the progress window. */
  idleMs: number;
  /** RUNPAGES_STORE_MIN_PROGRESS (bytes per idle window), default 1024. */
  minProgressBytes: number;
  /** RUNPAGES_STORE_DEADLINE (s), default 1800: one operation, retries included. */
  deadlineMs: number;
}

export const STORE_TIMEOUT_ENV = {
  connectMs: 'RUNPAGES_STORE_CONNECT_TIMEOUT',
  idleMs: 'RUNPAGES_STORE_IDLE_TIMEOUT',
  minProgressBytes: 'RUNPAGES_STORE_MIN_PROGRESS',
  deadlineMs: 'RUNPAGES_STORE_DEADLINE',
} as const;

export const DEFAULT_STORE_TIMEOUTS: StoreTimeouts = { connectMs: 10_000, idleMs: 60_000, minProgressBytes: 1024, deadlineMs: 1_800_000 };

/** The timeouts the environment sets over the defaults; a value that is not a positive number is an error naming the variable. */
export function storeTimeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): StoreTimeouts {
  const out = { ...DEFAULT_STORE_TIMEOUTS };
  for (const [key, name] of Object.entries(STORE_TIMEOUT_ENV) as [keyof StoreTimeouts, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw new RunpagesError('invalid-timeout', `${name}=${JSON.stringify(raw)} is not a positive number`, {
        hint: `Set ${name} to ${key === 'minProgressBytes' ? 'a number of bytes' : 'a number of seconds'} (default ${key === 'minProgressBytes' ? DEFAULT_STORE_TIMEOUTS[key] : DEFAULT_STORE_TIMEOUTS[key] / 1000}), or unset it.`,
      });
    }
    out[key] = key === 'minProgressBytes' ? Math.ceil(value) : Math.round(value * 1000);
  }
  return out;
}

/** The error a stalled socket is destroyed with; the SDK treats `TimeoutError` as transient and retries. */
export class StoreStalledError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly timeouts: StoreTimeouts;
  constructor(timeouts: StoreTimeouts) {
    super(`the store moved less than ${timeouts.minProgressBytes} bytes in ${timeouts.idleMs / 1000} s`);
    this.name = 'TimeoutError';
    this.timeouts = timeouts;
  }
}

type SocketWithBytes = Duplex & { bytesRead: number; bytesWritten: number; destroyed: boolean };

/**
 * Watches one socket: from the moment a request takes it until the agent gets it back (`free`), it
 * must make progress. Idle sockets in the keep-alive pool are not watched.
 */
function watch(socket: SocketWithBytes, timeouts: StoreTimeouts): { busy(): void } {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const total = (): number => socket.bytesRead + socket.bytesWritten;
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const busy = (): void => {
    stop();
    last = total();
    timer = setInterval(() => {
      const now = total();
      if (now - last < timeouts.minProgressBytes) {
        stop();
        const error = new StoreStalledError(timeouts);
        stalled.set(socket, error);
        socket.destroy(error);
      } else last = now;
    }, timeouts.idleMs);
    timer.unref();
  };
  socket.on('free', stop);
  socket.on('close', stop);
  return { busy };
}

const watchers = new WeakMap<object, { busy(): void }>();
const stalled = new WeakMap<object, StoreStalledError>();

/**
 * Why a socket was destroyed, when it was for stalling: a response body whose socket dies only
 * says `aborted` (ECONNRESET), which would read as an unreachable store.
 */
export function stallOf(socket: object | null | undefined): StoreStalledError | undefined {
  return socket ? stalled.get(socket) : undefined;
}

/** Node's Agent has these at runtime (documented); @types leave createConnection off https.Agent. */
interface AgentInternals {
  createConnection(...args: unknown[]): unknown;
  reuseSocket(socket: object, request: unknown): void;
}

function watchedAgent<T extends HttpAgent>(Base: new (options: AgentOptions) => T, timeouts: StoreTimeouts): T {
  const base = Base.prototype as unknown as AgentInternals;
  const agent = new Base({ keepAlive: true, maxSockets: 50 });
  const internals = agent as unknown as AgentInternals;
  internals.createConnection = function (this: T, ...args: unknown[]): unknown {
    const socket = base.createConnection.apply(this, args) as SocketWithBytes;
    const watcher = watch(socket, timeouts);
    watchers.set(socket, watcher);
    watcher.busy();
    return socket;
  };
  internals.reuseSocket = function (this: T, socket: object, request: unknown): void {
    watchers.get(socket)?.busy();
    base.reuseSocket.call(this, socket, request);
  };
  return agent;
}

/** HTTP and HTTPS agents whose sockets are destroyed when a request on them stalls. */
export function watchedAgents(timeouts: StoreTimeouts): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  return { httpAgent: watchedAgent(HttpAgent, timeouts), httpsAgent: watchedAgent(HttpsAgent, timeouts) };
}

/** The signal for one operation: aborted at the deadline (or when `parent` aborts). */
export function operationSignal(timeouts: StoreTimeouts, parent?: AbortSignal): AbortSignal {
  const deadline = AbortSignal.timeout(timeouts.deadlineMs);
  return parent ? AbortSignal.any([deadline, parent]) : deadline;
}
