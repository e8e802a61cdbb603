/**
 * The S3 object store (`s3://bucket/prefix`): any S3-compatible endpoint (AWS, MinIO, R2, GCS
 * interop). Endpoint, region and credentials come from the standard AWS environment and config files
 * (AWS_ENDPOINT_URL[_S3], AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...);
 * transient failures (5xx, throttling, network) are retried by the SDK with jittered exponential
 * backoff; the final failure becomes a RunpagesError that says what to check.
 */
import { pipeline as pipelineStreams, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { RunpagesError } from '../errors.ts';
import { writeAtomically } from './atomic.ts';
import { operationSignal, stallOf, STORE_TIMEOUT_ENV, storeTimeoutsFromEnv, watchedAgents, type StoreTimeouts } from './deadlines.ts';
import { assertSha256, HashingStream, readFileStream, sha256Bytes, sha256File, type Digest } from './hash.ts';
import { fileChangedError, objectCorruptError, objectKey, objectMissingError, type ObjectStore, type PutOptions } from './store.ts';

export interface S3StoreOptions {
  /** Endpoint URL; defaults to AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style addressing when set). */
  endpoint?: string;
  /** Region; defaults to the SDK's resolution (AWS_REGION, then the profile's region). */
  region?: string;
  /** Static credentials; default is the SDK's provider chain (environment, profile, SSO, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request including the first; default AWS_MAX_ATTEMPTS, else 5. */
  maxAttempts?: number;
  /** Multipart part size in bytes (default 8 MiB, minimum 5 MiB). */
  partSize?: number;
  /** Connect, progress and deadline bounds; default from the environment (see deadlines.ts). */
  timeouts?: StoreTimeouts;
}

/** Splits `s3://bucket/some/prefix/` into its bucket and its prefix without slashes at either end. */
function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/*(.*?)\/*$/.exec(uri);
  const bucket = match?.[1];
  if (!bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new RunpagesError('invalid-store', `store: "${uri}" is not a valid S3 URI`, {
      hint: 'Write it as s3://<bucket>/<optional prefix>, e.g. `store: s3://ml-artifacts/runpages` in runpages.config.yaml.',
    });
  }
  return { bucket, prefix: match?.[2] ?? '' };
}

/** What a failed request was doing, for messages. */
export interface S3Context {
  location: string;
  bucket: string;
  endpoint: string | undefined;
  /** e.g. `upload object <sha>`. */
  action: string;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  errors?: unknown[];
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const AUTH_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AccessDenied',
  'Forbidden',
  'AuthorizationHeaderMalformed',
  'InvalidClientTokenId',
]);
const THROTTLE_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled']);

function networkCode(error: SdkErrorShape): string | undefined {
  if (error.name === 'TimeoutError') return 'timeout';
  if (error.code && NETWORK_CODES.has(error.code)) return error.code;
  // Happy-eyeballs connects (localhost → ::1 and 127.0.0.1) fail with an AggregateError of both.
  for (const inner of error.errors ?? []) {
    const code = (inner as SdkErrorShape | undefined)?.code;
    if (code && NETWORK_CODES.has(code)) return code;
  }
  if (error.name === 'TimeoutError') return 'timeout';
  return undefined;
}

/**
 * Turns the SDK's final error (after its retries) into a RunpagesError that says what happened and
 * which setting to check. Pure: tested on real SDK error shapes.
 */
export function describeS3Error(error: unknown, context: S3Context): RunpagesError {
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? e.Code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const where = context.endpoint ? `the S3 endpoint ${context.endpoint}` : 'S3';
  const detail = e.message ? `: ${e.message}` : '';
  const options = { cause: error };

  const network = networkCode(e);
  if (network === 'timeout' || network === 'ETIMEDOUT' || name === 'AbortError') {
    return new RunpagesError(
      'store-timeout',
      `${context.endpoint ? `The S3 endpoint ${context.endpoint}` : 'S3'} did not answer in time to ${context.action} in ${context.location}${tries}${detail}`,
      {
        hint: `The run stays queued: \`runpages sync\` publishes it once the store answers. Check the network and the endpoint; the limits are ${STORE_TIMEOUT_ENV.connectMs} (connect, default 10 s), ${STORE_TIMEOUT_ENV.idleMs} with ${STORE_TIMEOUT_ENV.minProgressBytes} (at least 1024 bytes every 60 s) and ${STORE_TIMEOUT_ENV.deadlineMs} (one operation, default 1800 s).`,
        ...options,
      },
    );
  }
  if (network) {
    return new RunpagesError('store-unreachable', `Could not reach ${where} to ${context.action} in ${context.location}${tries} (${network})`, {
      hint: `Check the network and the endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL${context.endpoint ? `, now ${context.endpoint}` : ', unset: AWS itself'}). Runs that could not upload stay queued; publish them later with \`runpages sync\`.`,
      ...options,
    });
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e.message ?? '')) {
    return new RunpagesError('store-credentials', `No AWS credentials found to ${context.action} in ${context.location}${detail}`, {
      hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE naming a profile in ~/.aws/credentials or ~/.aws/config.',
      ...options,
    });
  }
  if (/region is missing/i.test(e.message ?? '')) {
    return new RunpagesError('store-region', `No AWS region is configured for ${context.location}`, {
      hint: 'Set AWS_REGION (e.g. us-east-1; `auto` for Cloudflare R2), or `region` in your AWS profile.',
      ...options,
    });
  }
  if (name === 'NoSuchBucket' || (status === 404 && name !== 'NotFound' && name !== 'NoSuchKey')) {
    return new RunpagesError('store-no-bucket', `The bucket "${context.bucket}" of ${context.location} does not exist at ${where}`, {
      hint: `Create it (e.g. \`aws s3 mb s3://${context.bucket}${context.endpoint ? ` --endpoint-url ${context.endpoint}` : ''}\`) or fix \`store\` in runpages.config.yaml.`,
      ...options,
    });
  }
  if (AUTH_NAMES.has(name) || status === 403 || status === 401) {
    const keys = name === 'AccessDenied' || name === 'Forbidden';
    return new RunpagesError('store-auth', `S3 refused the request to ${context.action} in ${context.location} (${name}${status ? `, HTTP ${status}` : ''})`, {
      hint: keys
        ? 'The credentials were accepted but lack permission: grant s3:GetObject, s3:PutObject and s3:ListBucket on the bucket (without ListBucket, S3 answers 403 for missing objects). Check AWS_PROFILE / AWS_ACCESS_KEY_ID select the identity you expect.'
        : 'Check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (or the profile named by AWS_PROFILE in ~/.aws/credentials), and that AWS_REGION matches the bucket.',
      ...options,
    });
  }
  if (THROTTLE_NAMES.has(name) || status === 429 || (status !== undefined && status >= 500) || e.$fault === 'server') {
    return new RunpagesError(
      'store-unavailable',
      `S3 kept failing to ${context.action} in ${context.location}${tries} (${name}${status ? `, HTTP ${status}` : ''})`,
      {
        hint: 'The service is overloaded or failing; try again later (AWS_MAX_ATTEMPTS raises the retry count). Runs that could not upload stay queued for `runpages sync`.',
        ...options,
      },
    );
  }
  return new RunpagesError('store-error', `S3 failed to ${context.action} in ${context.location} (${name}${status ? `, HTTP ${status}` : ''})${detail}`, {
    hint: 'Check the bucket, the endpoint and the credentials in the AWS environment (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_PROFILE).',
    ...options,
  });
}

function isNotFound(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || (e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}

/**
 * An object store in an S3 bucket, objects under `<prefix>/sha256/<2 hex>/<62 hex>`.
 *
 * @example
 * const store = new S3Store('s3://ml-artifacts/runpages');
 * await store.putFile('checkpoints/model.pt'); // multipart when large, skipped when present
 */
export class S3Store implements ObjectStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string | undefined;
  readonly client: S3Client;
  readonly #partSize: number;
  readonly #maxAttempts: number;
  readonly #timeouts: StoreTimeouts;
  #bucketChecked: Promise<void> | undefined;

  constructor(uri: string, options: S3StoreOptions = {}) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = prefix ? `s3://${bucket}/${prefix}` : `s3://${bucket}`;
    this.endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined);
    this.#timeouts = options.timeouts ?? storeTimeoutsFromEnv();
    this.#partSize = Math.max(options.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
    const maxAttempts = options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : 5);
    this.#maxAttempts = maxAttempts ?? (Number.parseInt(process.env.AWS_MAX_ATTEMPTS ?? '', 10) || 5);
    const config: S3ClientConfig = {
      // Custom endpoints (MinIO, s3rver, R2) rarely have wildcard DNS for virtual-host buckets.
      ...(this.endpoint ? { endpoint: this.endpoint, forcePathStyle: true } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(maxAttempts ? { maxAttempts } : {}),
      retryMode: 'standard',
      // A blackholed endpoint must fail in seconds, not after the OS's TCP timeout; a silent or
      // trickling socket is destroyed by the watched agents (the SDK's requestTimeout only warns).
      requestHandler: { connectionTimeout: this.#timeouts.connectMs, socketTimeout: this.#timeouts.idleMs, ...watchedAgents(this.#timeouts) },
    };
    this.client = new S3Client(config);
  }

  #key(sha256: string): string {
    assertSha256(sha256);
    return this.prefix ? `${this.prefix}/${objectKey(sha256)}` : objectKey(sha256);
  }

  #fail(error: unknown, action: string, signal?: AbortSignal): RunpagesError {
    if (signal?.aborted && !(error instanceof RunpagesError)) {
      const seconds = this.#timeouts.deadlineMs / 1000;
      error = Object.assign(new Error(`gave up after ${seconds} s (${STORE_TIMEOUT_ENV.deadlineMs})`), { name: 'TimeoutError', cause: error });
    }
    return describeS3Error(error, { location: this.location, bucket: this.bucket, endpoint: this.endpoint, action });
  }

  /** A signal for one operation, aborted at its deadline. */
  #signal(): AbortSignal {
    return operationSignal(this.#timeouts);
  }

  /** HEAD on a missing bucket answers 404 like a missing object: tell them apart once per store. */
  #checkBucket(): Promise<void> {
    const signal = this.#signal();
    this.#bucketChecked ??= this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal }).then(
      () => undefined,
      (error: unknown) => {
        if ((error as SdkErrorShape).$metadata?.httpStatusCode === 404) {
          throw this.#fail(Object.assign(error as object, { name: 'NoSuchBucket' }), 'look up objects');
        }
        // Not an answer about the bucket (network, throttling): ask again next time.
        this.#bucketChecked = undefined;
        throw this.#fail(error, 'look up objects', signal);
      },
    );
    return this.#bucketChecked;
  }

  async stat(sha256: string): Promise<number | undefined> {
    const signal = this.#signal();
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(sha256) }), { abortSignal: signal });
      return head.ContentLength ?? 0;
    } catch (error) {
      if (error instanceof RunpagesError) throw error;
      if (isNotFound(error)) {
        await this.#checkBucket();
        return undefined;
      }
      throw this.#fail(error, `look up object ${sha256}`, signal);
    }
  }

  async putFile(path: string, options: PutOptions = {}): Promise<{ sha256: string; size: number; uploaded: boolean }> {
    // The key is the hash, so a first streaming pass names the object before anything is sent.
    const expected = await sha256File(path);
    if ((await this.stat(expected.sha256)) === expected.size) return { ...expected, uploaded: false };
    const hasher = new HashingStream();
    // A read error destroys the hasher too, which fails the upload instead of hanging it.
    const body = pipelineStreams(readFileStream(path), hasher, () => {});
    const key = this.#key(expected.sha256);
    const signal = this.#signal();
    const abortController = new AbortController();
    const onAbort = (): void => abortController.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
        partSize: this.#partSize,
        queueSize: 4,
        leavePartsOnError: false,
        abortController,
      });
      const { onProgress } = options;
      if (onProgress) upload.on('httpUploadProgress', (progress) => onProgress(progress.loaded ?? 0, expected.size));
      await Promise.all([upload.done(), finished(body)]);
    } catch (error) {
      body.destroy();
      // Reading the local file failed (it carries a path): that is not the store's fault.
      if (error instanceof RunpagesError || (error as NodeJS.ErrnoException).path !== undefined) throw error;
      throw this.#fail(error, `upload ${path} as object ${expected.sha256}`, signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    const actual = hasher.digest();
    if (actual.sha256 !== expected.sha256 || actual.size !== expected.size) {
      // The bytes sent are not the bytes the key names: take them back rather than leave a lie. If
      // the delete fails too, the changed file is still the error to report; `verify --deep` finds
      // the stray object.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: this.#signal() }).catch(() => undefined);
      throw fileChangedError(path, expected, actual);
    }
    return { ...expected, uploaded: true };
  }

  async putBytes(data: Uint8Array): Promise<{ sha256: string; size: number; uploaded: boolean }> {
    const sha256 = sha256Bytes(data);
    if ((await this.stat(sha256)) === data.length) return { sha256, size: data.length, uploaded: false };
    const signal = this.#signal();
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.#key(sha256), Body: data, ContentLength: data.length, ContentType: 'application/octet-stream' }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw this.#fail(error, `upload object ${sha256}`, signal);
    }
    return { sha256, size: data.length, uploaded: true };
  }

  async putLive(name: string, data: Uint8Array): Promise<void> {
    const key = this.prefix ? `${this.prefix}/live/${name}` : `live/${name}`;
    const signal = this.#signal();
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ContentLength: data.length,
          ContentType: 'application/json',
          CacheControl: 'no-cache, max-age=0',
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw this.#fail(error, `write the live object ${name}`, signal);
    }
  }

  async *list(): AsyncIterable<{ sha256: string; size: number }> {
    const base = this.prefix ? `${this.prefix}/sha256/` : 'sha256/';
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      const signal = this.#signal();
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ...(token ? { ContinuationToken: token } : {}) }), {
          abortSignal: signal,
        });
      } catch (error) {
        throw this.#fail(error, 'list objects', signal);
      }
      for (const object of page.Contents ?? []) {
        const match = /^([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(object.Key?.slice(base.length) ?? '');
        if (match) yield { sha256: `${match[1]}${match[2]}`, size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Opens an object's bytes as a stream, or undefined when it is absent. */
  async #open(sha256: string, action: string, signal: AbortSignal): Promise<Readable | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(sha256) }), { abortSignal: signal });
      // In Node the body is an http.IncomingMessage (a Readable) with the SDK's helpers mixed in.
      return response.Body as Readable;
    } catch (error) {
      if (error instanceof RunpagesError) throw error;
      if (isNotFound(error)) {
        await this.#checkBucket();
        return undefined;
      }
      throw this.#fail(error, action, signal);
    }
  }

  /**
   * Runs a download that streams a response body. The SDK retries requests, not bodies, so a
   * connection lost mid-stream is retried here with the same jittered exponential backoff.
   */
  async #download<T>(sha256: string, action: string, consume: (body: Readable) => Promise<T>): Promise<T | undefined> {
    // One deadline for the whole download, body and retries included.
    const signal = this.#signal();
    for (let attempt = 1; ; attempt++) {
      const body = await this.#open(sha256, action, signal);
      if (!body) return undefined;
      const onAbort = (): void => {
        body.destroy(Object.assign(new Error('the operation deadline passed'), { name: 'AbortError' }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const socket = (body as Readable & { socket?: object | null }).socket;
      try {
        return await consume(body);
      } catch (thrown) {
        const error = stallOf(socket) ?? thrown;
        // Verification failures and local file-system errors (they carry a path) are final.
        if (error instanceof RunpagesError || (error as NodeJS.ErrnoException).path !== undefined) throw error;
        if (attempt >= this.#maxAttempts || signal.aborted) {
          throw this.#fail(Object.assign(error as object, { $metadata: { attempts: attempt } }), action, signal);
        }
        await sleep(Math.random() * Math.min(100 * 2 ** attempt, 20_000), undefined, { signal }).catch(() => {});
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  async getFile(sha256: string, dest: string): Promise<void> {
    const done = await this.#download(sha256, `download object ${sha256}`, async (body) => {
      await writeAtomically(body, dest, (actual) => {
        if (actual.sha256 !== sha256) throw objectCorruptError(this.location, sha256, actual);
      });
      return true;
    });
    if (!done) throw objectMissingError(this.location, sha256);
  }

  async getBytes(sha256: string): Promise<Uint8Array> {
    const data = await this.#download(sha256, `download object ${sha256}`, async (body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    });
    if (!data) throw objectMissingError(this.location, sha256);
    const actual = sha256Bytes(data);
    if (actual !== sha256) throw objectCorruptError(this.location, sha256, { sha256: actual, size: data.length });
    return data;
  }

  async digest(sha256: string): Promise<Digest | undefined> {
    return this.#download(sha256, `read object ${sha256}`, async (body) => {
      const hasher = new HashingStream();
      await pipeline(body, hasher, async (source: AsyncIterable<Buffer>) => {
        for await (const _chunk of source);
      });
      return hasher.digest();
    });
  }
}
