/**
 * `runpages preview`: the static server (MIME types, base path, no path escapes) and `--watch`,
 * which rebuilds when a run is added to the folder being watched.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringifyYaml } from '../src/run/yaml.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isAllowedHost, serveSite, type PreviewServer } from '../src/site/preview.ts';
import { BIN } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/site-runs/', import.meta.url));

describe('preview server', () => {
  let dir: string;
  let server: PreviewServer;

  beforeAll(async () => {
    dir = tempDir('runpages-preview-');
    mkdirSync(join(dir, 'site', 'r', 'x'), { recursive: true });
    writeFileSync(join(dir, 'site', 'index.html'), '<h1>home</h1>');
    writeFileSync(join(dir, 'site', 'r', 'x', 'index.html'), '<h1>run</h1>');
    writeFileSync(join(dir, 'site', 'app.js'), 'export {}');
    writeFileSync(join(dir, 'site', 'data.json'), '{}');
    writeFileSync(join(dir, 'secret.txt'), 'outside the site');
    server = await serveSite({ dir: join(dir, 'site'), base: '/sub/' });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(new URL(path, server.url).href.replace(/\/sub\/\/?/, '/sub/'), { redirect: 'manual' });

  it('serves pages and assets under the base with their MIME types', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sub\/$/);
    const home = await fetch(server.url);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await home.text()).toBe('<h1>home</h1>');
    expect((await get('r/x/')).status).toBe(200);
    expect((await get('app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('data.json')).headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('redirects a folder without its slash, and the root to the base', async () => {
    const folder = await get('r/x');
    expect(folder.status).toBe(301);
    expect(folder.headers.get('location')).toBe('/sub/r/x/');
    const root = await fetch(server.url.replace('/sub/', '/'), { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/sub/');
  });

  it('never serves files outside the site', async () => {
    const origin = server.url.replace('/sub/', '');
    for (const path of ['/sub/..%2fsecret.txt', '/sub/%2e%2e/secret.txt', '/secret.txt', '/sub/missing/']) {
      const response = await fetch(origin + path, { redirect: 'manual' });
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('outside the site');
    }
  });
});

/** A real HTTP GET with a forged Host header (fetch would not let us set it). */
function getWithHost(url: string, host: string | undefined): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ hostname, port, path: pathname, headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    if (host !== undefined) req.setHeader('host', host);
    req.on('error', fail);
    req.end();
  });
}

describe('preview server against DNS rebinding', () => {
  let dir: string;
  let server: PreviewServer;
  let port: number;

  beforeAll(async () => {
    dir = tempDir('runpages-rebind-');
    writeFileSync(join(dir, 'index.html'), '<h1>private</h1>');
    server = await serveSite({ dir, base: '/', allowedHosts: ['box.lan'] });
    port = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers requests addressed to a loopback name or an allowed host, with its port', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`, 'localhost', `box.lan:${port}`]) {
      const response = await getWithHost(server.url, host);
      expect(response.status, host).toBe(200);
      expect(response.body).toBe('<h1>private</h1>');
    }
  });

  it('refuses any other Host with 403 and says how to allow it, never serving the page', async () => {
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `localhost:${port + 1}`,
      `[::2]:${port}`,
      '',
      `localhost:${port}@evil`,
    ]) {
      const response = await getWithHost(server.url, host);
      expect(response.status, host).toBe(403);
      expect(response.body).toContain('--allowed-host');
      expect(response.body).not.toContain('private');
    }
  });

  it('admits exactly the loopback names and chosen hosts (property)', () => {
    const loopback = new Set(['localhost', '127.0.0.1', '[::1]', 'box.lan']);
    fc.assert(
      fc.property(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (name, p) => {
        const header = p === undefined ? name : `${name}:${p}`;
        const expected = loopback.has(name.toLowerCase()) && (p === undefined || p === 4321);
        expect(isAllowedHost(header, { port: 4321, allowedHosts: ['box.lan'] })).toBe(expected);
      }),
    );
  });
});

describe('runpages preview --watch', () => {
  let work: string;
  let child: ReturnType<typeof spawn> | undefined;

  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });

  it('builds, serves, and rebuilds when a run is added', async () => {
    work = tempDir('runpages-watch-');
    cpSync(join(FIXTURE, 'nlp'), join(work, 'runs', 'nlp'), { recursive: true });
    child = spawn(process.execPath, [BIN, 'preview', 'out', '--watch', '--from', 'runs', '--port', '0'], {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child?.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('http://'));
        if (line) resolve(line.trim());
      });
      child?.once('exit', (code) => reject(new Error(`preview exited with ${code}: ${stderr}`)));
    });
    expect((await fetch(`${url}r/01JDV0E000000000000000000E/`)).status).toBe(200);
    const added = 'runs/nlp/2026-10/01JDV0W000000000000000000W';
    expect((await fetch(`${url}r/01JDV0W000000000000000000W/`)).status).toBe(404);

    mkdirSync(join(work, added), { recursive: true });
    const record = {
      schema: 'runpages/run@1',
      id: '01JDV0W000000000000000000W',
      name: 'watched-run',
      project: 'nlp',
      status: 'running',
      created: '2026-10-20T00:00:00Z',
    };
    writeFileSync(join(work, added, 'run.yaml'), stringifyYaml(record));

    await expect.poll(async () => (await fetch(`${url}r/01JDV0W000000000000000000W/`)).status, { timeout: 120_000, interval: 500 }).toBe(200);
    expect(stderr).toContain('Rebuilt');
  }, 240_000);
});
