/**
 * The local object store: layout, skip when present, verified reads, corruption, and writes that
 * are atomic even when interrupted or killed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunpagesError } from '../src/errors.ts';
import { writeAtomically } from '../src/store/atomic.ts';
import { sha256Bytes, sha256File } from '../src/store/hash.ts';
import { LocalStore } from '../src/store/local.ts';
import { openStore } from '../src/store/open.ts';
import { S3Store } from '../src/store/s3.ts';
import { tempDir } from './helpers/git.ts';
import { rejection } from './helpers/errors.ts';

let dir: string;
let store: LocalStore;

beforeEach(() => {
  dir = tempDir('runpages-store-');
  store = new LocalStore(join(dir, 'objects'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Every file under a folder, relative, sorted. */
function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

const HELLO_SHA = sha256Bytes(Buffer.from('hello\n'));

describe('local store', () => {
  it('stores a file under sha256/<2 hex>/<62 hex>, read-only, and reads it back verified', async () => {
    const result = await store.putFile(file('a.txt', 'hello\n'));
    expect(result).toEqual({ sha256: HELLO_SHA, size: 6, uploaded: true });
    expect(listFiles(store.root)).toEqual([`sha256/${HELLO_SHA.slice(0, 2)}/${HELLO_SHA.slice(2)}`]);
    expect(statSync(store.pathOf(HELLO_SHA)).mode & 0o222).toBe(0);
    expect(await store.stat(HELLO_SHA)).toBe(6);

    const dest = join(dir, 'out', 'nested', 'a.txt');
    await store.getFile(HELLO_SHA, dest);
    expect(readFileSync(dest, 'utf8')).toBe('hello\n');
    expect(Buffer.from(await store.getBytes(HELLO_SHA)).toString()).toBe('hello\n');
    expect(await store.digest(HELLO_SHA)).toEqual({ sha256: HELLO_SHA, size: 6 });
  });

  it('reports progress while storing a large file', async () => {
    const size = 5 * 1024 * 1024 + 7;
    const path = file('big.bin', Buffer.alloc(size, 3));
    const progress: [number, number][] = [];
    await store.putFile(path, { onProgress: (written, total) => progress.push([written, total]) });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual([size, size]);
    expect(progress.map(([written]) => written)).toEqual(progress.map(([written]) => written).sort((a, b) => a - b));
  });

  it('stores and reads back an empty file', async () => {
    const result = await store.putFile(file('empty', ''));
    expect(result).toEqual({ sha256: sha256Bytes(Buffer.alloc(0)), size: 0, uploaded: true });
    await store.getFile(result.sha256, join(dir, 'out', 'empty'));
    expect(readFileSync(join(dir, 'out', 'empty')).length).toBe(0);
  });

  it('skips an object that is already present, whether it came from a file or from bytes', async () => {
    await store.putFile(file('a.txt', 'hello\n'));
    const before = statSync(store.pathOf(HELLO_SHA));
    expect(await store.putFile(file('b.txt', 'hello\n'))).toEqual({ sha256: HELLO_SHA, size: 6, uploaded: false });
    expect(await store.putBytes(Buffer.from('hello\n'))).toEqual({ sha256: HELLO_SHA, size: 6, uploaded: false });
    expect(statSync(store.pathOf(HELLO_SHA)).ino).toBe(before.ino);

    const bytes = await store.putBytes(Buffer.from('other'));
    expect(bytes.uploaded).toBe(true);
    expect(Buffer.from(await store.getBytes(bytes.sha256)).toString()).toBe('other');
  });

  it('says what is wrong when the store folder cannot be written', async () => {
    // A file where the store's sha256/ folder should be fails the same way for every user, root included.
    mkdirSync(store.root, { recursive: true });
    writeFileSync(join(store.root, 'sha256'), 'not a folder');
    const error = await rejection(store.putBytes(Buffer.from('x')));
    expect(error.code).toBe('store-write-failed');
    expect(error.message).toContain(store.root);
    expect(error.message).toContain('ENOTDIR');
    expect(error.hint).toContain('runpages sync');
  });

  it('replaces a present object of the wrong size (a truncated copy) instead of skipping it', async () => {
    await store.putFile(file('a.txt', 'hello\n'));
    chmodSync(store.pathOf(HELLO_SHA), 0o644);
    truncateSync(store.pathOf(HELLO_SHA), 2);
    expect((await store.putFile(file('a.txt', 'hello\n'))).uploaded).toBe(true);
    expect(readFileSync(store.pathOf(HELLO_SHA), 'utf8')).toBe('hello\n');
  });

  it('detects a corrupt object on every read and writes nothing to the destination', async () => {
    await store.putFile(file('a.txt', 'hello\n'));
    chmodSync(store.pathOf(HELLO_SHA), 0o644);
    writeFileSync(store.pathOf(HELLO_SHA), 'jello\n');

    const out = join(dir, 'out');
    const error = await rejection(store.getFile(HELLO_SHA, join(out, 'a.txt')));
    expect(error.code).toBe('object-corrupt');
    expect(error.message).toContain(HELLO_SHA);
    expect(error.message).toContain('store copy is corrupt');
    expect(listFiles(out)).toEqual([]);

    expect((await rejection(store.getBytes(HELLO_SHA))).code).toBe('object-corrupt');
    expect(await store.digest(HELLO_SHA)).toEqual({ sha256: sha256Bytes(Buffer.from('jello\n')), size: 6 });
  });

  it('reports a missing object by name, and absent objects have no size or digest', async () => {
    const missing = 'ab'.repeat(32);
    expect(await store.stat(missing)).toBeUndefined();
    expect(await store.digest(missing)).toBeUndefined();
    const error = await rejection(store.getFile(missing, join(dir, 'out', 'x')));
    expect(error.code).toBe('object-missing');
    expect(error.message).toContain(missing);
    expect(error.hint).toContain('runpages verify');
    expect((await rejection(store.getBytes(missing))).code).toBe('object-missing');
  });

  it('refuses object ids that are not sha256 digests, so none becomes a path outside the store', async () => {
    for (const bad of ['../../../etc/passwd', 'AB'.repeat(32), `${'a'.repeat(63)}/`, '']) {
      expect((await rejection(store.stat(bad))).code).toBe('invalid-object-id');
      expect((await rejection(store.getFile(bad, join(dir, 'x')))).code).toBe('invalid-object-id');
    }
  });

  it('leaves neither the destination nor a temporary file when the source stream breaks mid-write', async () => {
    const dest = join(dir, 'out', 'object');
    const broken = Readable.from(
      (async function* () {
        yield Buffer.alloc(1024 * 1024, 1);
        throw new Error('connection lost');
      })(),
    );
    await expect(writeAtomically(broken, dest, () => {})).rejects.toThrow('connection lost');
    expect(listFiles(join(dir, 'out'))).toEqual([]);
  });

  it('rejects, rather than crashes, when the source fails before any byte is read', async () => {
    const dest = join(dir, 'out', 'object');
    await expect(writeAtomically(createReadStream(join(dir, 'no-such-file')), dest, () => {})).rejects.toMatchObject({ code: 'ENOENT' });
    expect(listFiles(join(dir, 'out'))).toEqual([]);
  });

  it('never exposes a half-written object when the writing process is killed mid-copy', async () => {
    // A sparse 256 MB file copies slowly enough to stop the writer while its temporary file grows.
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 256 * 1024 * 1024);
    const { sha256, size } = await sha256File(big);
    const folder = join(store.root, 'sha256', sha256.slice(0, 2));
    const script = file(
      'writer.ts',
      `import { LocalStore } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../src/store/local.ts')).href)};\n` +
        `await new LocalStore(${JSON.stringify(store.root)}).putFile(${JSON.stringify(big)});\n`,
    );
    const child = spawn(process.execPath, [script], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));

    let temp: string | undefined;
    while (temp === undefined && child.exitCode === null) {
      temp = existsSync(folder) ? readdirSync(folder).find((name) => name.endsWith('.tmp')) : undefined;
      if (temp === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(temp, 'the writer finished before it could be stopped mid-copy').toBeDefined();
    process.kill(child.pid!, 'SIGSTOP');
    expect(await store.stat(sha256)).toBeUndefined();
    child.kill('SIGKILL');
    await exited;

    expect(await store.stat(sha256)).toBeUndefined();
    expect(existsSync(store.pathOf(sha256))).toBe(false);
    // The next writer completes the object; the dead writer's leftover never counts as one.
    expect(await store.putFile(big)).toEqual({ sha256, size, uploaded: true });
    expect(await store.stat(sha256)).toBe(size);
  });
});

describe('openStore', () => {
  it('opens paths and file:// URIs as local folders relative to cwd, and s3:// as S3', () => {
    expect((openStore('.runpages/objects', '/repo') as LocalStore).root).toBe('/repo/.runpages/objects');
    expect((openStore('', '/repo') as LocalStore).root).toBe('/repo/.runpages/objects');
    expect((openStore('/abs/objects', '/repo') as LocalStore).root).toBe('/abs/objects');
    expect((openStore('file:///abs/objects', '/repo') as LocalStore).root).toBe('/abs/objects');
    expect((openStore('file://shared/objects', '/repo') as LocalStore).root).toBe('/repo/shared/objects');
    expect((openStore('file:shared/objects', '/repo') as LocalStore).root).toBe('/repo/shared/objects');
    const s3 = openStore('s3://ml-artifacts/team/runs/', '/repo', { s3: { region: 'us-east-1' } });
    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.location).toBe('s3://ml-artifacts/team/runs');
  });

  it('rejects an unknown scheme naming the config key and the accepted forms', () => {
    let error: unknown;
    try {
      openStore('gs://bucket/x', '/repo');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunpagesError);
    const e = error as RunpagesError;
    expect(e.code).toBe('invalid-store');
    expect(e.message).toContain('store');
    expect(e.message).toContain('gs://');
    expect(e.hint).toContain('s3://');
    expect(e.hint).toContain('file://');
    expect(() => openStore('s3://', '/repo')).toThrow(/not a valid S3 URI/);
  });
});
