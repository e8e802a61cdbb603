/**
 * A real S3 server for tests: s3rver on loopback with a random port, plus an optional HTTP proxy in
 * front of it that counts requests and can answer with S3's own error responses (throttling, 500s,
 * rejected credentials) to exercise retries and error messages through the real SDK.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import S3rver from 's3rver';

export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3_TEST_BUCKET = 'runpages-test';

/** Environment that points the AWS SDK (in a CLI process) at a test endpoint. */
export function s3Env(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    AWS_MAX_ATTEMPTS: '2',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export interface TestS3Server {
  endpoint: string;
  /** s3rver's data folder. */
  directory: string;
  /** Where s3rver keeps an object's bytes on disk (to corrupt it). */
  objectPath(bucket: string, key: string): string;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with a random port and the given buckets. */
export async function startS3Server(directory: string, buckets: string[] = [S3_TEST_BUCKET]): Promise<TestS3Server> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    // Mirrors s3rver's FilesystemStore.getResourcePath for plain keys.
    objectPath: (bucket, key) => {
      const parts = key.split('/');
      const last = parts.pop() ?? '';
      return join(directory, bucket, ...parts, `${last}._S3rver_object`);
    },
    close: () => server.close(),
  };
}

/** An S3 error response, or a forwarded response whose connection drops after some body bytes. */
export type Fault =
  | {
      status: number;
      /** S3 error code, e.g. `SlowDown`, `InternalError`, `InvalidAccessKeyId`. */
      code: string;
      message?: string;
    }
  | { cutAfterBytes: number };

export interface FaultProxy {
  endpoint: string;
  /** Every request seen: method, path with query, and the status answered. */
  requests: { method: string; url: string; status: number }[];
  /** Decides per request whether to answer with a fault instead of forwarding; undefined forwards. */
  fault: ((req: IncomingMessage, index: number) => Fault | undefined) | undefined;
  close(): Promise<void>;
}

/** A proxy to `target` on 127.0.0.1 with a random port. Headers pass unchanged, so signatures stay valid. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = {
    endpoint: '',
    requests: [],
    fault: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', status: 0 };
    proxy.requests.push(entry);
    const fault = proxy.fault?.(req, proxy.requests.length - 1);
    if (fault && 'status' in fault) {
      req.resume();
      entry.status = fault.status;
      const body =
        req.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${fault.message ?? fault.code}</Message><RequestId>TEST</RequestId></Error>`;
      res.writeHead(fault.status, { 'content-type': 'application/xml', 'x-amz-request-id': 'TEST', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!fault) return void answer.pipe(res);
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        const room = fault.cutAfterBytes - sent;
        if (room > 0) res.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= fault.cutAfterBytes) {
          answer.destroy();
          res.socket?.destroy();
        }
      });
    });
    forward.on('error', (error) => res.destroy(error));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
