/**
 * `runpages deploy s3://...` against a real S3 server (s3rver on loopback): a built site is uploaded
 * with the right Content-Type and cache headers; a second deploy after one new run sends only the
 * files that changed and deletes the ones the site no longer has; it refuses to deploy over the store.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';
import { S3_TEST_BUCKET, S3_TEST_CREDENTIALS, s3Env, startS3Server, type TestS3Server } from './helpers/s3.ts';

const FIXTURE = new URL('./fixtures/site-runs/', import.meta.url).pathname;
const NOW = '2026-11-22T00:00:00Z';
const TARGET = `s3://${S3_TEST_BUCKET}/site`;

let work: string;
let s3: TestS3Server;
let client: S3Client;

interface DeployJson {
  uploaded: number;
  unchanged: number;
  deleted: number;
}

async function keys(): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: S3_TEST_BUCKET, Prefix: 'site/' }));
  return (page.Contents ?? []).map((object) => object.Key as string).sort();
}

async function deploy(args: string[] = []): Promise<DeployJson> {
  const result = await runCli(['deploy', TARGET, '--dir', 'site', '--json', ...args], { cwd: work, env: s3Env(s3.endpoint) });
  expect(result.stderr).not.toMatch(/error/i);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as DeployJson;
}

beforeAll(async () => {
  work = tempDir('runpages-deploy-');
  cpSync(FIXTURE, join(work, 'runs'), { recursive: true });
  s3 = await startS3Server(join(work, 's3rver'));
  client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: S3_TEST_CREDENTIALS });
  const build = await runCli(['build', '--from', 'runs', '--out', 'site', '--now', NOW], { cwd: work });
  expect(build.code).toBe(0);
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('runpages deploy', () => {
  it('uploads every file of the site with its content type and cache policy', async () => {
    // A file of an older deploy that the site no longer has.
    await client.send(new PutObjectCommand({ Bucket: S3_TEST_BUCKET, Key: 'site/r/gone/index.html', Body: 'old' }));
    const first = await deploy();
    expect(first.uploaded).toBeGreaterThan(10);
    expect(first.deleted).toBe(1);
    const deployed = await keys();
    expect(deployed).toContain('site/index.html');
    expect(deployed).not.toContain('site/r/gone/index.html');
    const page = await client.send(new HeadObjectCommand({ Bucket: S3_TEST_BUCKET, Key: 'site/index.html' }));
    expect(page.ContentType).toBe('text/html; charset=utf-8');
    expect(page.CacheControl).toBe('public, max-age=0, must-revalidate');
    const asset = deployed.find((key) => key.startsWith('site/_astro/') && key.endsWith('.js')) as string;
    const head = await client.send(new HeadObjectCommand({ Bucket: S3_TEST_BUCKET, Key: asset }));
    expect(head.ContentType).toBe('text/javascript; charset=utf-8');
    expect(head.CacheControl).toBe('public, max-age=31536000, immutable');
    const body = await (await client.send(new GetObjectCommand({ Bucket: S3_TEST_BUCKET, Key: 'site/index.html' }))).Body?.transformToString();
    expect(body).toBe(readFileSync(join(work, 'site/index.html'), 'utf8'));
  });

  it('sends nothing when nothing changed, and only the changed files after a new run', async () => {
    const again = await deploy();
    expect(again).toMatchObject({ uploaded: 0, deleted: 0 });
    const before = await keys();

    // One new run: its page, and the pages and data that list it, change; the rest stays.
    const source = join(work, 'runs/vision/2026-11/01JDV0A000000000000000000A');
    const copy = join(work, 'runs/vision/2026-11/01JDV0Z000000000000000000Z');
    mkdirSync(copy, { recursive: true });
    cpSync(source, copy, { recursive: true });
    const yaml = readFileSync(join(copy, 'run.yaml'), 'utf8')
      .replace(/01JDV0A000000000000000000A/g, '01JDV0Z000000000000000000Z')
      .replace(/^name: .*$/m, 'name: newest-run-1');
    writeFileSync(join(copy, 'run.yaml'), yaml);
    expect((await runCli(['build', '--from', 'runs', '--out', 'site', '--now', NOW], { cwd: work })).code).toBe(0);

    const dry = await deploy(['--dry-run']);
    expect(await keys()).toEqual(before);
    const after = await deploy();
    expect(after).toEqual({ ...dry, dryRun: false });
    expect(after.uploaded).toBeGreaterThan(0);
    expect(after.uploaded).toBeLessThan(again.unchanged / 2);
    expect(await keys()).toContain('site/r/01JDV0Z000000000000000000Z/index.html');
  });

  it('refuses a target that overlaps the object store, and a folder that is not a site', async () => {
    writeFileSync(join(work, 'runpages.config.yaml'), `store: s3://${S3_TEST_BUCKET}/site/objects\n`);
    const overlap = await runCli(['deploy', TARGET, '--dir', 'site'], { cwd: work, env: s3Env(s3.endpoint) });
    expect(overlap.code).not.toBe(0);
    expect(overlap.stderr).toContain('overlaps the object store');
    rmSync(join(work, 'runpages.config.yaml'));
    const empty = await runCli(['deploy', TARGET, '--dir', 'runs'], { cwd: work, env: s3Env(s3.endpoint) });
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('is not a built site');
  });
});
