/**
 * The build cache's store of per-run values (series, charts, comparison data): appended to a few
 * large segment files with an index of where each value lies, instead of one small file per value.
 * At 10k runs the build wrote 50k small files, and creating a file costs far more than appending
 * its bytes (about 0.5 ms here, most of a cold build).
 *
 * One build at a time owns the pack (a lock file naming its pid); a build that finds it owned by a
 * live process uses a private pack it throws away. A build that dies leaves a segment no index names:
 * the next owner deletes it. Values of runs no longer built are dropped from the index; a segment is
 * deleted when nothing in it is live, and the pack is rewritten when most of its bytes are dead.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

const INDEX_FILE = 'index.v8';
const LOCK_FILE = 'lock';
const FORMAT = 'runpages/pack@1';
/** Rewrite the pack when its dead bytes exceed its live ones and this much. */
const COMPACT_MIN_DEAD = 64 * 1024 * 1024;

/** Segments this process made: part of each name, so two in one millisecond never collide. */
let segmentsMade = 0;

/** Where a value lies: segment file name, byte offset, length. */
type Location = [segment: string, offset: number, length: number];

interface PackIndex {
  format: typeof FORMAT;
  entries: Map<string, Location>;
}

/** Read-only view of a pack, as the site's pages use it while Astro renders. */
export class PackReader {
  readonly dir: string;
  protected readonly entries: Map<string, Location>;
  private readonly descriptors = new Map<string, number>();

  constructor(dir: string, entries?: Map<string, Location>) {
    this.dir = dir;
    this.entries = entries ?? readIndex(dir);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The value stored under `key`, or undefined. */
  get(key: string): Buffer | undefined {
    const location = this.entries.get(key);
    if (!location) return undefined;
    const [segment, offset, length] = location;
    let fd = this.descriptors.get(segment);
    if (fd === undefined) {
      fd = openSync(join(this.dir, segment), 'r');
      this.descriptors.set(segment, fd);
    }
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) read += readSync(fd, buffer, read, length - read, offset + read);
    return buffer;
  }

  /** A value stored with {@link Pack.putValue}. */
  getValue<T>(key: string): T | undefined {
    const buffer = this.get(key);
    return buffer ? (deserialize(buffer) as T) : undefined;
  }

  close(): void {
    for (const fd of this.descriptors.values()) closeSync(fd);
    this.descriptors.clear();
  }
}

/** A pack open for one build: reads, appends, and on {@link Pack.save} writes its index. */
export class Pack extends PackReader {
  private segment: { name: string; fd: number; size: number } | undefined;
  private readonly release: () => void;

  private constructor(dir: string, entries: Map<string, Location>, release: () => void) {
    super(dir, entries);
    this.release = release;
  }

  /**
   * Opens the pack in `dir` for this build, or a private one beside it when another live build owns
   * it. Leftovers of a build that died are removed here.
   */
  static open(dir: string): Pack {
    mkdirSync(dir, { recursive: true });
    if (takeLock(dir)) {
      const pack = new Pack(dir, readIndex(dir), () => rmSync(join(dir, LOCK_FILE), { force: true }));
      pack.removeUnnamedSegments();
      return pack;
    }
    const own = `${dir}-${process.pid}`;
    rmSync(own, { recursive: true, force: true });
    mkdirSync(own, { recursive: true });
    return new Pack(own, new Map(), () => rmSync(own, { recursive: true, force: true }));
  }

  /** Stores `value` under `key` (replacing any earlier value). */
  put(key: string, value: Uint8Array): void {
    if (!this.segment) {
      segmentsMade += 1;
      const name = `${Date.now().toString(36)}-${process.pid}-${segmentsMade}.seg`;
      this.segment = { name, fd: openSync(join(this.dir, name), 'w'), size: 0 };
    }
    let written = 0;
    while (written < value.length) written += writeSync(this.segment.fd, value, written, value.length - written);
    this.entries.set(key, [this.segment.name, this.segment.size, value.length]);
    this.segment.size += value.length;
  }

  /** Stores any value v8 can serialise (NaN and ±Infinity survive, unlike JSON). */
  putValue(key: string, value: unknown): void {
    this.put(key, serialize(value));
  }

  /**
   * Keeps only the values whose key `keep` accepts, rewrites the pack when dead bytes dominate, writes
   * the index and deletes segments nothing live is in. Readers opened after this see the pack.
   */
  save(keep: (key: string) => boolean): void {
    this.finishSegment();
    for (const key of this.entries.keys()) if (!keep(key)) this.entries.delete(key);
    let liveBytes = 0;
    for (const [, , length] of this.entries.values()) liveBytes += length;
    const totalBytes = this.segmentFiles().reduce((sum, file) => sum + statSync(join(this.dir, file)).size, 0);
    if (totalBytes - liveBytes > Math.max(liveBytes, COMPACT_MIN_DEAD)) this.compact();
    writeIndex(this.dir, this.entries);
    this.removeUnnamedSegments();
  }

  /** Ends this build's use of the pack (its lock, or the private pack). */
  override close(): void {
    this.finishSegment();
    super.close();
    this.release();
  }

  /** Copies every live value, one at a time, into one new segment, which leaves the old ones unnamed. */
  private compact(): void {
    for (const key of [...this.entries.keys()]) this.put(key, this.get(key) as Buffer);
    this.finishSegment();
    super.close();
  }

  private finishSegment(): void {
    if (this.segment) closeSync(this.segment.fd);
    this.segment = undefined;
  }

  /** Deletes segments the index does not name: a dead build's, or those a compaction copied. */
  private removeUnnamedSegments(): void {
    const named = new Set([...this.entries.values()].map(([segment]) => segment));
    for (const file of this.segmentFiles()) if (!named.has(file)) rmSync(join(this.dir, file), { force: true });
  }

  private segmentFiles(): string[] {
    return readdirSync(this.dir).filter((file) => file.endsWith('.seg'));
  }
}

/** Creates the lock file, or takes it over from a process that no longer runs. */
function takeLock(dir: string): boolean {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      const owner = Number(readFileSafely(path));
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) return false;
      rmSync(path, { force: true });
    }
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readFileSafely(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readIndex(dir: string): Map<string, Location> {
  const file = join(dir, INDEX_FILE);
  if (!existsSync(file)) return new Map();
  try {
    const index = deserialize(readFileSync(file)) as Partial<PackIndex>;
    if (index.format !== FORMAT || !(index.entries instanceof Map)) return new Map();
    // A value whose segment is gone (deleted by hand) is a cache miss, not an error.
    const present = new Set(readdirSync(dir));
    for (const [key, [segment]] of index.entries) if (!present.has(segment)) index.entries.delete(key);
    return index.entries;
  } catch {
    return new Map();
  }
}

/** Write then rename: a reader sees the old index or the new one, never half of one. */
function writeIndex(dir: string, entries: Map<string, Location>): void {
  const file = join(dir, INDEX_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, serialize({ format: FORMAT, entries } satisfies PackIndex));
  renameSync(temp, file);
}
