/**
 * The S3 store against a real S3 server (s3rver on loopback): upload, multipart for large files,
 * skip on re-upload, verified downloads, corruption, and the failures users meet (unreachable
 * endpoint, throttling and 500s, rejected credentials, missing bucket), through the real SDK.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Bytes, sha256File } from '../src/store/hash.ts';
import { describeS3Error, S3Store, type S3StoreOptions } from '../src/store/s3.ts';
import { objectKey } from '../src/store/store.ts';
import { tempDir } from './helpers/git.ts';
import { closedPort, S3_TEST_BUCKET, S3_TEST_CREDENTIALS, startFaultProxy, startS3Server, type FaultProxy, type TestS3Server } from './helpers/s3.ts';
import { rejection } from './helpers/errors.ts';

let dir: string;
let s3: TestS3Server;
let proxy: FaultProxy;

beforeAll(async () => {
  dir = tempDir('runpages-s3-');
  s3 = await startS3Server(join(dir, 's3rver'));
  proxy = await startFaultProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy.close();
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  proxy.fault = undefined;
  proxy.requests.length = 0;
});

function openS3(uri: string, options: S3StoreOptions = {}): S3Store {
  return new S3Store(uri, { endpoint: proxy.endpoint, region: 'us-east-1', credentials: S3_TEST_CREDENTIALS, maxAttempts: 3, ...options });
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const writes = (p: FaultProxy) => p.requests.filter((r) => r.method === 'PUT' || r.method === 'POST');

describe('S3 store', () => {
  it('uploads a file under <prefix>/sha256/<2>/<62>, skips it when present, and downloads it verified', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/team/runs`);
    const path = file('small.txt', 'small artifact\n');
    const sha256 = sha256Bytes(Buffer.from('small artifact\n'));

    expect(await store.stat(sha256)).toBeUndefined();
    expect(await store.putFile(path)).toEqual({ sha256, size: 15, uploaded: true });
    expect(readFileSync(s3.objectPath(S3_TEST_BUCKET, `team/runs/${objectKey(sha256)}`), 'utf8')).toBe('small artifact\n');
    expect(await store.stat(sha256)).toBe(15);

    proxy.requests.length = 0;
    expect(await store.putFile(path)).toEqual({ sha256, size: 15, uploaded: false });
    expect(await store.putBytes(Buffer.from('small artifact\n'))).toEqual({ sha256, size: 15, uploaded: false });
    expect(writes(proxy)).toEqual([]);

    const dest = join(dir, 'down', 'small.txt');
    await store.getFile(sha256, dest);
    expect(readFileSync(dest, 'utf8')).toBe('small artifact\n');
    expect(Buffer.from(await store.getBytes(sha256)).toString()).toBe('small artifact\n');
    expect(await store.digest(sha256)).toEqual({ sha256, size: 15 });
  });

  it('uploads a file over 20 MB in parts, skips the second upload, and downloads it verified', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}`, { partSize: 5 * 1024 * 1024 });
    const path = file('big.bin', randomBytes(21 * 1024 * 1024 + 123));
    const { sha256, size } = await sha256File(path);

    const progress: number[] = [];
    expect(await store.putFile(path, { onProgress: (written, total) => progress.push(total === size ? written : -1) })).toEqual({
      sha256,
      size,
      uploaded: true,
    });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(size);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const parts = proxy.requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
    expect(parts.length).toBe(5);
    expect(proxy.requests.some((r) => r.method === 'POST' && r.url.includes('uploads'))).toBe(true);
    expect(await store.stat(sha256)).toBe(size);

    proxy.requests.length = 0;
    expect(await store.putFile(path)).toEqual({ sha256, size, uploaded: false });
    expect(writes(proxy)).toEqual([]);

    const dest = join(dir, 'down', 'big.bin');
    await store.getFile(sha256, dest);
    expect(await sha256File(dest)).toEqual({ sha256, size });
  });

  it('stores and reads back an empty file', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/empty`);
    const result = await store.putFile(file('empty.txt', ''));
    expect(result).toEqual({ sha256: sha256Bytes(Buffer.alloc(0)), size: 0, uploaded: true });
    expect(await store.stat(result.sha256)).toBe(0);
    const dest = join(dir, 'empty-out', 'empty.txt');
    await store.getFile(result.sha256, dest);
    expect(readFileSync(dest).length).toBe(0);
  });

  it('stores bytes from memory', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/bytes`);
    const data = Buffer.from('{"series": [1, 2, 3]}');
    const result = await store.putBytes(data);
    expect(result).toEqual({ sha256: sha256Bytes(data), size: data.length, uploaded: true });
    expect(Buffer.from(await store.getBytes(result.sha256)).equals(data)).toBe(true);
  });

  it('detects a corrupted object on download, leaving nothing at the destination', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/corrupt`);
    const { sha256 } = await store.putBytes(Buffer.from('precious weights'));
    writeFileSync(s3.objectPath(S3_TEST_BUCKET, `corrupt/${objectKey(sha256)}`), 'tampered weights');

    const out = join(dir, 'corrupt-out');
    const error = await rejection(store.getFile(sha256, join(out, 'weights.bin')));
    expect(error.code).toBe('object-corrupt');
    expect(error.message).toContain(sha256);
    expect(error.message).toContain('s3://runpages-test/corrupt');
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    expect((await rejection(store.getBytes(sha256))).code).toBe('object-corrupt');
    expect((await store.digest(sha256))?.sha256).toBe(sha256Bytes(Buffer.from('tampered weights')));
  });

  it('retries a download whose connection drops mid-body, and never leaves a partial file', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/cut`, { maxAttempts: 3 });
    const data = randomBytes(256 * 1024);
    const { sha256 } = await store.putBytes(data);
    const gets = () => proxy.requests.filter((r) => r.method === 'GET');

    proxy.fault = (req) => (req.method === 'GET' && gets().length === 1 ? { cutAfterBytes: 100_000 } : undefined);
    const dest = join(dir, 'cut', 'data.bin');
    await store.getFile(sha256, dest);
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(gets().length).toBe(2);

    proxy.requests.length = 0;
    proxy.fault = (req) => (req.method === 'GET' ? { cutAfterBytes: 100_000 } : undefined);
    const dest2 = join(dir, 'cut2', 'data.bin');
    const error = await rejection(store.getFile(sha256, dest2));
    expect(error.code).toBe('store-unreachable');
    expect(error.message).toContain('after 3 attempts');
    expect(gets().length).toBe(3);
    expect(existsSync(join(dir, 'cut2')) ? readdirSync(join(dir, 'cut2')) : []).toEqual([]);
  });

  it('lists every object under its prefix in one request', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/listed`);
    const stored = [];
    for (let i = 0; i < 3; i++) stored.push(await store.putBytes(Buffer.from(`object ${i}`)));
    // A key under the prefix that is not laid out as an object (here: one level deeper) is not listed.
    await openS3(`s3://${S3_TEST_BUCKET}/listed/sha256`).putBytes(Buffer.from('nested elsewhere'));

    proxy.requests.length = 0;
    const listed = [];
    for await (const object of store.list()) listed.push(object);
    expect(listed.sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1))).toEqual(
      stored.map(({ sha256, size }) => ({ sha256, size })).sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)),
    );
    expect(proxy.requests.map((r) => r.method)).toEqual(['GET']);
    expect(proxy.requests[0]?.url).toContain('list-type=2');
  });

  it('reports a missing object and a missing bucket differently', async () => {
    const missing = 'cd'.repeat(32);
    const store = openS3(`s3://${S3_TEST_BUCKET}/none`);
    expect(await store.stat(missing)).toBeUndefined();
    expect((await rejection(store.getFile(missing, join(dir, 'x')))).code).toBe('object-missing');

    const noBucket = openS3('s3://no-such-bucket/prefix');
    const statError = await rejection(noBucket.stat(missing));
    expect(statError.code).toBe('store-no-bucket');
    expect(statError.hint).toContain('aws s3 mb s3://no-such-bucket');
    expect((await rejection(noBucket.putBytes(Buffer.from('x')))).code).toBe('store-no-bucket');
  });

  it('retries throttling and 500s with backoff and succeeds when the service recovers', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/retry`, { maxAttempts: 4 });
    proxy.fault = (_req, index) =>
      index === 0
        ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
        : index === 1
          ? { status: 500, code: 'InternalError' }
          : undefined;
    const result = await store.putBytes(Buffer.from('retried'));
    expect(result.uploaded).toBe(true);
    expect(proxy.requests.map((r) => r.status).slice(0, 2)).toEqual([503, 500]);
    expect(await store.stat(result.sha256)).toBe(7);
  });

  it('ends persistent 500s in a clear error after the configured attempts', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/retry`, { maxAttempts: 3 });
    proxy.fault = (req) => (req.method === 'PUT' ? { status: 500, code: 'InternalError', message: 'We encountered an internal error.' } : undefined);
    const error = await rejection(store.putBytes(Buffer.from('never lands')));
    expect(error.code).toBe('store-unavailable');
    expect(error.message).toContain('after 3 attempts');
    expect(error.message).toContain('InternalError');
    expect(proxy.requests.filter((r) => r.method === 'PUT').length).toBe(3);
  });

  it('turns rejected credentials from the service into a message naming the variables to check', async () => {
    const store = openS3(`s3://${S3_TEST_BUCKET}/auth`);
    proxy.fault = () => ({ status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' });
    const error = await rejection(store.putBytes(Buffer.from('denied')));
    expect(error.code).toBe('store-auth');
    expect(error.message).toContain('HTTP 403');
    expect(error.hint).toContain('AWS_ACCESS_KEY_ID');
    expect(error.hint).toContain('AWS_SECRET_ACCESS_KEY');
    expect(proxy.requests.length).toBe(1); // a 403 is not retried
  });

  it('ends an unreachable endpoint in a clear error after retrying', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = new S3Store(`s3://${S3_TEST_BUCKET}/x`, { endpoint, region: 'us-east-1', credentials: S3_TEST_CREDENTIALS, maxAttempts: 3 });
    const error = await rejection(store.putBytes(Buffer.from('offline')));
    expect(error.code).toBe('store-unreachable');
    expect(error.message).toContain(endpoint);
    expect(error.message).toContain('after 3 attempts');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.hint).toContain('AWS_ENDPOINT_URL');
    expect(error.hint).toContain('runpages sync');
  });

  /** Runs `body` with no AWS settings anywhere: no AWS_* variables, no ~/.aws files, no instance metadata. */
  async function withoutAwsSettings(body: () => Promise<void>): Promise<void> {
    const saved = { ...process.env };
    const home = tempDir('runpages-nohome-');
    try {
      for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
      Object.assign(process.env, {
        HOME: home,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
        AWS_CONFIG_FILE: join(home, 'none'),
      });
      await body();
    } finally {
      process.env = saved;
      rmSync(home, { recursive: true, force: true });
    }
  }

  it('says which variables to set when no credentials can be found', async () => {
    await withoutAwsSettings(async () => {
      const store = new S3Store(`s3://${S3_TEST_BUCKET}/x`, { endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts: 1 });
      const error = await rejection(store.stat('ab'.repeat(32)));
      expect(error.code).toBe('store-credentials');
      expect(error.hint).toContain('AWS_ACCESS_KEY_ID');
      expect(error.hint).toContain('AWS_PROFILE');
      expect(proxy.requests).toEqual([]);
    });
  });

  it('says to set AWS_REGION when no region is configured', async () => {
    await withoutAwsSettings(async () => {
      const store = new S3Store(`s3://${S3_TEST_BUCKET}/x`, { endpoint: proxy.endpoint, credentials: S3_TEST_CREDENTIALS, maxAttempts: 1 });
      const error = await rejection(store.stat('ab'.repeat(32)));
      expect(error.code).toBe('store-region');
      expect(error.hint).toContain('AWS_REGION');
      expect(proxy.requests).toEqual([]);
    });
  });
});

describe('describeS3Error', () => {
  const context = { location: 's3://bucket/prefix', bucket: 'bucket', endpoint: 'https://minio.example:9000', action: 'upload object abc' };
  const serviceError = (name: string, status: number, fault: 'client' | 'server' = 'client') =>
    new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status, attempts: fault === 'server' ? 5 : 1 }, message: `${name} message` });

  it('maps wrong credentials to the environment variables to check', () => {
    for (const name of ['InvalidAccessKeyId', 'SignatureDoesNotMatch']) {
      const error = describeS3Error(serviceError(name, 403), context);
      expect(error.code).toBe('store-auth');
      expect(error.message).toContain(name);
      expect(error.hint).toMatch(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN/);
      expect(error.hint).toContain('AWS_PROFILE');
    }
  });

  it('maps a permission refusal to the permissions needed', () => {
    const error = describeS3Error(serviceError('AccessDenied', 403), context);
    expect(error.code).toBe('store-auth');
    expect(error.hint).toContain('s3:PutObject');
  });

  it('maps a missing bucket to creating it', () => {
    const error = describeS3Error(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'The specified bucket does not exist' }), context);
    expect(error.code).toBe('store-no-bucket');
    expect(error.hint).toContain('aws s3 mb s3://bucket --endpoint-url https://minio.example:9000');
  });

  it('maps exhausted retries of server errors and throttling to trying later', () => {
    const error = describeS3Error(serviceError('SlowDown', 503, 'server'), context);
    expect(error.code).toBe('store-unavailable');
    expect(error.message).toContain('after 5 attempts');
    expect(describeS3Error(serviceError('ServiceUnavailable', 503, 'server'), context).code).toBe('store-unavailable');
  });

  it('maps network failures, including both families of a dual-stack connect, to checking the endpoint', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: { attempts: 5 } });
    expect(describeS3Error(refused, context).code).toBe('store-unreachable');
    const both = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]);
    const error = describeS3Error(both, context);
    expect(error.code).toBe('store-unreachable');
    expect(error.hint).toContain('now https://minio.example:9000');
  });

  it('keeps anything else as a store error with the service message', () => {
    const error = describeS3Error(serviceError('InvalidRequest', 400), context);
    expect(error.code).toBe('store-error');
    expect(error.message).toContain('InvalidRequest message');
  });
});
