/**
 * The live object: with an S3 store (s3rver) and a publicUrl, a recorded job writes
 * live/<run id>.json while it runs (status running, step, latest metrics) and once more when it
 * ends; a running run's page built meanwhile names that URL, and its CSP lets it connect there.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config.ts';
import { liveObjectEvery, liveObjectUrl } from '../src/run/live-object.ts';
import { liveObjectNotice, parseLiveObject } from '../src/site/live-view.ts';
import { collectErrors, launchBrowser, serveSite } from './helpers/browser.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { S3_TEST_BUCKET, s3Env, startS3Server, type TestS3Server } from './helpers/s3.ts';

const ID = '01JD1F6G8H0J2K4M6N8P0Q2R4S';

describe('the live object as data', () => {
  it('exists only for an S3 store with a publicUrl, every live.objectInterval seconds', () => {
    const s3 = parseConfig({ store: 's3://bucket/objects', publicUrl: 'https://objects.example.com/' });
    expect(liveObjectEvery(s3, {})).toBe(30);
    expect(liveObjectEvery(s3, { RUNPAGES_LIVE_OBJECT_INTERVAL: '2' })).toBe(2);
    expect(liveObjectEvery(s3, { RUNPAGES_LIVE_OBJECT_INTERVAL: 'off' })).toBeUndefined();
    expect(
      liveObjectEvery(parseConfig({ store: 's3://bucket/objects', publicUrl: 'https://o.example.com', live: { interval: 60, objectInterval: 0 } }), {}),
    ).toBeUndefined();
    expect(liveObjectEvery(parseConfig({ store: 's3://bucket/objects' }), {})).toBeUndefined();
    expect(liveObjectEvery(parseConfig({ publicUrl: 'https://o.example.com' }), {})).toBeUndefined();
    expect(liveObjectUrl(s3, ID)).toBe(`https://objects.example.com/live/${ID}.json`);
  });

  it('is read defensively and told as a notice, the goal metric first', () => {
    const object = parseLiveObject(
      {
        schema: 'runpages/live@1',
        id: ID,
        status: 'running',
        heartbeat: '2026-12-04T10:00:00Z',
        step: 410,
        total_steps: 1000,
        metrics: { loss: 0.21, 'val/acc': 0.83, bad: 'x', __proto__: 1 },
      },
      ID,
    );
    expect(object).toBeDefined();
    expect(liveObjectNotice(object!, new Date('2026-12-04T10:02:00Z'), 'val/acc')).toBe(
      'Running (live), last heard from 2 minutes ago, at step 410 / 1,000 (41 %). Latest: val/acc 0.83, loss 0.21.',
    );
    expect(liveObjectNotice({ ...object!, status: 'finished' }, new Date('2026-12-04T10:02:00Z'))).toMatch(/^Finished \(live, 2 minutes ago\)/);
    expect(parseLiveObject({ ...object, id: 'another' }, ID)).toBeUndefined();
    expect(parseLiveObject('nope', ID)).toBeUndefined();
  });
});

let repo: TestRepo | undefined;
let s3: TestS3Server | undefined;
afterEach(async () => {
  repo?.cleanup();
  repo = undefined;
  await s3?.close();
  s3 = undefined;
});

describe('record with an S3 store and a publicUrl', () => {
  it('writes live/<id>.json while the job runs, and its final status when it ends', async () => {
    repo = makeTestRepo({
      'job.sh': `for i in 1 2 3 4 5 6 7 8; do "$NODE" "$BIN" log --step $i loss=0.$i; sleep 0.5; done\n`,
    });
    const { dir } = repo;
    s3 = await startS3Server(join(tempDir('runpages-live-s3-'), 's3rver'));
    writeFileSync(join(dir, 'runpages.config.yaml'), `store: s3://${S3_TEST_BUCKET}/objects\npublicUrl: https://objects.example.com/\n`);
    const job = runCli(['record', '--project', 'demo', '--', 'sh', 'job.sh'], {
      cwd: dir,
      env: { ...s3Env(s3.endpoint), NODE: process.execPath, BIN, RUNPAGES_LIVE_INTERVAL: 'off', RUNPAGES_LIVE_OBJECT_INTERVAL: '1' },
    });
    let done = false;
    void job.then(() => (done = true));
    const liveDir = join(s3.directory, S3_TEST_BUCKET, 'objects', 'live');
    const seen: Array<{ status: string; step?: number }> = [];
    while (!done) {
      for (const file of existsSync(liveDir) ? readdirSync(liveDir).filter((f) => f.endsWith('.json._S3rver_object')) : []) {
        try {
          seen.push(JSON.parse(readFileSync(join(liveDir, file), 'utf8')));
        } catch {
          // Being written: the next look sees it whole.
        }
      }
      await sleep(200);
    }
    const result = await job;
    expect(result.code, result.stderr).toBe(0);
    expect(
      seen.some((s) => s.status === 'running' && (s.step ?? 0) > 0),
      JSON.stringify(seen),
    ).toBe(true);
    const [file] = readdirSync(liveDir).filter((f) => f.endsWith('.json._S3rver_object'));
    const final = JSON.parse(readFileSync(join(liveDir, file!), 'utf8'));
    expect(final).toMatchObject({ schema: 'runpages/live@1', status: 'finished', step: 8, metrics: { loss: 0.8 } });
    const metadata = readFileSync(join(liveDir, file!.replace('._S3rver_object', '._S3rver_metadata.json')), 'utf8');
    expect(metadata).toContain('no-cache');
  }, 60_000);
});

describe('a running run page built with a live object', () => {
  it('names the live object URL and lets the page connect to the store origin', async () => {
    const work = tempDir('runpages-live-page-');
    const folder = join(work, 'runs', 'vision', '2026-11', ID);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'run.yaml'),
      stringify({
        schema: 'runpages/run@1',
        id: ID,
        name: 'live-one',
        project: 'vision',
        status: 'running',
        created: '2026-11-19T10:00:00Z',
        heartbeat: '2026-11-19T12:00:00Z',
      }),
    );
    writeFileSync(join(work, 'runpages.config.yaml'), 'store: s3://bucket/objects\npublicUrl: https://objects.example.com/\n');
    const build = await runCli(['build', '--from', 'runs', '--out', 'site'], { cwd: work, env: { RUNPAGES_NOW: '2026-11-19T12:03:00Z' }, timeoutMs: 300_000 });
    expect(build.code, build.stderr).toBe(0);
    const page = readFileSync(join(work, 'site', 'r', ID, 'index.html'), 'utf8');
    expect(page).toContain(`data-live-object="https://objects.example.com/live/${ID}.json"`);
    expect(page).toMatch(/connect-src 'self' https:\/\/objects\.example\.com/);
    expect(page).toMatch(/<script[^>]+src="[^"]+"/);

    // In Chromium, under the page's own CSP, the notice refreshes from the live object.
    const server = await serveSite(join(work, 'site'));
    const browser = await launchBrowser();
    try {
      const tab = await browser.newPage();
      const errors = collectErrors(tab);
      await tab.route(`https://objects.example.com/live/${ID}.json`, (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          headers: { 'access-control-allow-origin': '*' },
          body: JSON.stringify({
            schema: 'runpages/live@1',
            id: ID,
            status: 'running',
            heartbeat: new Date().toISOString(),
            step: 410,
            total_steps: 1000,
            metrics: { loss: 0.21 },
          }),
        }),
      );
      await tab.goto(`${server.url}r/${ID}/`);
      const notice = tab.locator('[data-live-object]');
      await expect
        .poll(() => notice.textContent(), { timeout: 20_000 })
        .toContain('Running (live), last heard from just now, at step 410 / 1,000 (41 %). Latest: loss 0.21.');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 300_000);
});
