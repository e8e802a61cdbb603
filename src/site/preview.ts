/**
 * A small static file server for a built site (`runpages preview`): loopback only, correct MIME
 * types, the base path honoured (requests outside it redirect to it), no path escapes, and only
 * requests addressed to the server's own name (a page the user visits cannot DNS-rebind to it).
 */
import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { RunSource } from '../index/source.ts';
import { normalizeBase } from './url.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

/** The MIME type served for a file name. */
export function mimeType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface PreviewServer {
  /** The site's URL, base path included. */
  url: string;
  server: Server;
  close: () => Promise<void>;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether a request's Host header names this server: a loopback name or the host it was explicitly
 * bound to, with the port it listens on (or no port). Anything else is a page elsewhere that rebound
 * its own DNS name to 127.0.0.1 to read the private site; browsers send that name as Host.
 *
 * @example isAllowedHost('localhost:4321', { port: 4321 }) // true
 * @example isAllowedHost('evil.example:4321', { port: 4321 }) // false
 */
export function isAllowedHost(header: string | undefined, options: { port: number; host?: string; allowedHosts?: readonly string[] }): boolean {
  if (header === undefined) return false;
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(header.trim());
  if (!match) return false;
  const [, name = '', port] = match;
  if (port !== undefined && Number(port) !== options.port) return false;
  const hostName = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase();
  const allowed = new Set([...LOOPBACK_NAMES, ...(options.host ? [options.host] : []), ...(options.allowedHosts ?? [])].map(hostName));
  return allowed.has(name.toLowerCase().replace(/\.$/, ''));
}

/**
 * Serves `dir` on 127.0.0.1 (port 0 picks a free one). Requests whose Host header is not a loopback
 * name, `host` or one of `allowedHosts` get 403.
 *
 * @example const { url, close } = await serveSite({ dir: 'dist', base: '/', port: 4321 });
 */
export function serveSite(options: { dir: string; base?: string; port?: number; host?: string; allowedHosts?: readonly string[] }): Promise<PreviewServer> {
  const root = resolve(options.dir);
  const base = normalizeBase(options.base);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    const { port } = server.address() as AddressInfo;
    if (!isAllowedHost(request.headers.host, { port, host, ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}) })) {
      response
        .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end(
          `Blocked request: the Host header ${JSON.stringify(request.headers.host ?? '')} is not this preview server.\n` +
            'To allow a name, start the server with `runpages preview --allowed-host <name>` (or --host <name>).\n',
        );
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      response.writeHead(400).end('Bad request');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!pathname.startsWith(base)) {
      if (`${pathname}/` === base || pathname === '/') {
        response.writeHead(302, { Location: base }).end();
      } else {
        notFound(response, root);
      }
      return;
    }
    const file = resolveFile(root, pathname.slice(base.length));
    if (file === 'redirect') {
      response.writeHead(301, { Location: `${pathname}/` }).end();
      return;
    }
    if (!file) {
      notFound(response, root);
      return;
    }
    const size = statSync(file).size;
    response.writeHead(200, { 'Content-Type': mimeType(file), 'Content-Length': size, 'Cache-Control': 'no-cache' });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        const why = error.code === 'EADDRINUSE' ? 'is already in use (another preview?)' : 'is not allowed for this user';
        reject(
          new RunpagesError('port-unavailable', `Cannot serve on ${host}:${options.port}: the port ${why}`, {
            hint: 'Pick another with --port <n>, or --port 0 for any free one.',
          }),
        );
      } else reject(error);
    });
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        url: `http://${host}:${port}${base}`,
        server,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** The file for a path inside the site, `redirect` for a folder without its trailing slash, or undefined. */
function resolveFile(root: string, relativePath: string): string | undefined | 'redirect' {
  const path = resolve(root, `.${sep}${relativePath}`);
  if (path !== root && !path.startsWith(root + sep)) return undefined;
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    if (relativePath !== '' && !relativePath.endsWith('/')) return 'redirect';
    const index = join(path, 'index.html');
    return existsSync(index) ? index : undefined;
  }
  return path;
}

function notFound(response: import('node:http').ServerResponse, root: string): void {
  const page = join(root, '404.html');
  if (existsSync(page)) {
    response.writeHead(404, { 'Content-Type': MIME['.html'] as string });
    createReadStream(page).pipe(response);
  } else {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
  }
}

/** The base path a site was built with, read from its home page (`<meta name="runpages-base">`). */
export function builtBase(dir: string): string | undefined {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  const match = /<meta name="runpages-base" content="([^"]*)"/.exec(readFileSync(index, 'utf8'));
  return match?.[1] ? normalizeBase(match[1]) : undefined;
}

/**
 * Calls `onChange` when the runs source changes: a folder through a recursive fs watch, a branch by
 * polling its commit (cheap: one `rev-parse`). Returns a function that stops watching.
 */
export function watchRuns(options: { source: RunSource; cwd: string; onChange: () => void; intervalMs?: number }): () => void {
  const { source } = options;
  if ('folder' in source) {
    const watcher = watch(source.folder, { recursive: true }, () => options.onChange());
    return () => watcher.close();
  }
  let last: string | undefined;
  let stopped = false;
  const poll = async () => {
    const { resolveCommit } = await import('../git/refs.ts');
    while (!stopped) {
      const commit = await resolveCommit(options.cwd, source.branch).catch(() => undefined);
      if (last !== undefined && commit !== last) options.onChange();
      last = commit;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 2000));
    }
  };
  void poll();
  return () => {
    stopped = true;
  };
}
