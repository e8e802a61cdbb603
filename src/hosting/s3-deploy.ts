/**
 * Deploying a built site to any S3-compatible static host (AWS S3 + CloudFront, R2, MinIO), for sites
 * that outgrow GitHub Pages' 1 GB. An upload is skipped when the object already holds the same bytes
 * (its ETag is the MD5 of a single-part upload), so a deploy after one new run sends only the pages
 * and shards that changed. Order keeps the live site whole: new assets first, then pages that may
 * point at them, and stale objects are deleted last.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { RunpagesError } from '../errors.ts';
import { describeS3Error, S3Store } from '../store/s3.ts';

/** Content types by extension; text types carry their charset. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

/** Astro names bundled assets by content hash under `_astro/`: they never change, so cache them for a year. */
const IMMUTABLE = /^_astro\//;

export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export function cacheControl(path: string): string {
  return IMMUTABLE.test(path) ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate';
}

export interface DeployPlan {
  upload: { path: string; key: string; bytes: number; md5: string }[];
  unchanged: number;
  delete: string[];
}

export interface DeployResult {
  target: string;
  uploaded: number;
  uploadedBytes: number;
  unchanged: number;
  deleted: number;
  dryRun: boolean;
}

export interface DeployOptions {
  /** The built site folder. */
  dir: string;
  /** `s3://bucket/prefix`. */
  target: string;
  dryRun?: boolean;
  /** Uploads in flight at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Every regular file under `dir` as a `/`-separated path; symbolic links are never followed or sent. */
function siteFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return files.sort();
}

/** Pages last among uploads: a page never goes live before the assets it points at. */
function uploadOrder(a: { path: string }, b: { path: string }): number {
  const rank = (path: string) => (path.endsWith('.html') ? 1 : 0);
  return rank(a.path) - rank(b.path) || a.path.localeCompare(b.path);
}

/**
 * Uploads what changed in a built site and removes what the site no longer has.
 * @example await deploySite({ dir: 'dist', target: 's3://my-site/experiments' })
 */
export async function deploySite(options: DeployOptions): Promise<DeployResult> {
  if (!lstatSync(options.dir, { throwIfNoEntry: false })?.isDirectory() || !lstatSync(join(options.dir, 'index.html'), { throwIfNoEntry: false })?.isFile()) {
    throw new RunpagesError('no-site', `${options.dir} is not a built site (no index.html in it).`, {
      hint: 'Build it first: `runpages build --out <dir>`, then `runpages deploy s3://<bucket>/<prefix> --dir <dir>`.',
    });
  }
  const store = new S3Store(options.target);
  const keyOf = (path: string) => (store.prefix ? `${store.prefix}/${path}` : path);
  const fail = (error: unknown, action: string) => describeS3Error(error, { location: store.location, bucket: store.bucket, endpoint: store.endpoint, action });

  // What the bucket holds now under the prefix, with each object's ETag.
  const remote = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await store.client
      .send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: store.prefix ? `${store.prefix}/` : undefined, ContinuationToken: token }))
      .catch((error: unknown) => {
        throw fail(error, 'list the deployed site');
      });
    for (const object of page.Contents ?? []) if (object.Key) remote.set(object.Key, (object.ETag ?? '').replace(/"/g, ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  const plan: DeployPlan = { upload: [], unchanged: 0, delete: [] };
  const local = new Set<string>();
  for (const path of siteFiles(options.dir)) {
    const key = keyOf(path);
    local.add(key);
    const bytes = readFileSync(join(options.dir, path));
    const md5 = createHash('md5').update(bytes).digest('hex');
    if (remote.get(key) === md5) plan.unchanged += 1;
    else plan.upload.push({ path, key, bytes: bytes.length, md5 });
  }
  plan.delete = [...remote.keys()].filter((key) => !local.has(key)).sort();
  plan.upload.sort(uploadOrder);

  const result: DeployResult = {
    target: store.location,
    uploaded: plan.upload.length,
    uploadedBytes: plan.upload.reduce((sum, file) => sum + file.bytes, 0),
    unchanged: plan.unchanged,
    deleted: plan.delete.length,
    dryRun: options.dryRun === true,
  };
  if (options.dryRun) return result;

  // Assets, then pages, each group uploaded a few at a time.
  let done = 0;
  const upload = async (file: DeployPlan['upload'][number]) => {
    await store.client
      .send(
        new PutObjectCommand({
          Bucket: store.bucket,
          Key: file.key,
          Body: readFileSync(join(options.dir, file.path)),
          ContentType: contentType(file.path),
          CacheControl: cacheControl(file.path),
          ContentMD5: Buffer.from(file.md5, 'hex').toString('base64'),
        }),
      )
      .catch((error: unknown) => {
        throw fail(error, `upload ${file.path}`);
      });
    options.onProgress?.(++done, plan.upload.length);
  };
  for (const group of [plan.upload.filter((f) => !f.path.endsWith('.html')), plan.upload.filter((f) => f.path.endsWith('.html'))]) {
    const queue = [...group];
    const workers = Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) await upload(file);
    });
    await Promise.all(workers);
  }
  for (let start = 0; start < plan.delete.length; start += 1000) {
    const batch = plan.delete.slice(start, start + 1000);
    await store.client
      .send(new DeleteObjectsCommand({ Bucket: store.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }))
      .catch((error: unknown) => {
        throw fail(error, 'delete stale files of the deployed site');
      });
  }
  return result;
}
