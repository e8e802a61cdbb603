/**
 * The framing of wandb's `.wandb` transaction log (wandb/sdk/internal/datastore.py up to 0.17,
 * core/pkg/leveldb in wandb-core): a 7-byte header (`:W&B`, uint16 0xBEE1 little-endian, version 0),
 * then LevelDB log chunks in 32 KiB blocks counted from the start of the file. A chunk is
 * `crc u32 | length u16 | type u8 | data`, little-endian, the CRC being CRC-32 of the type byte and
 * the data; type 1 is a whole record, 2/3/4 the first, middle and last parts of one split across
 * blocks. Fewer than 7 bytes left in a block are padding.
 *
 * Reading is forgiving, as for TFRecord: a chunk failing its CRC is reported and the reader moves on
 * to the next block (where the next chunk starts); a file ending inside a chunk or a split record (a
 * writer killed mid-write) ends with the records that were whole, and says so.
 */
import { crc32 } from './crc32.ts';

export interface WandbLogRecord {
  /** Byte offset of the record's first chunk. */
  offset: number;
  data: Uint8Array;
}

export interface WandbLogProblem {
  offset: number;
  message: string;
}

const FILE_HEADER = 7;
const BLOCK = 32 * 1024;
const CHUNK_HEADER = 7;
const FULL = 1;
const FIRST = 2;
const MIDDLE = 3;
const LAST = 4;
const MAGIC = 0xbee1;

/** True when `bytes` starts with the `.wandb` file header. */
export function isWandbLog(bytes: Uint8Array): boolean {
  return (
    bytes.length >= FILE_HEADER &&
    bytes[0] === 0x3a &&
    bytes[1] === 0x57 &&
    bytes[2] === 0x26 &&
    bytes[3] === 0x42 && // ":W&B"
    (bytes[4]! | (bytes[5]! << 8)) === MAGIC
  );
}

/**
 * Splits a `.wandb` file into its records' payloads (protobuf `Record`s).
 *
 * @example
 * const { records, problems } = readWandbLog(await readFile('run-abc123.wandb'));
 */
export function readWandbLog(bytes: Uint8Array): { records: WandbLogRecord[]; problems: WandbLogProblem[] } {
  const records: WandbLogRecord[] = [];
  const problems: WandbLogProblem[] = [];
  if (!isWandbLog(bytes)) {
    problems.push({ offset: 0, message: bytes.length < FILE_HEADER ? `no .wandb header (${bytes.length} bytes)` : 'not a .wandb file (no ":W&B" header)' });
    return { records, problems };
  }
  if (bytes[6] !== 0) problems.push({ offset: 6, message: `unknown .wandb version ${bytes[6]}; read as version 0` });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = FILE_HEADER;
  let parts: Uint8Array[] = [];
  let partsStart = -1;
  const dropParts = (message: string): void => {
    if (partsStart >= 0) problems.push({ offset: partsStart, message });
    parts = [];
    partsStart = -1;
  };
  while (offset < bytes.length) {
    const left = BLOCK - (offset % BLOCK);
    if (left < CHUNK_HEADER) {
      offset += left; // block trailer
      continue;
    }
    if (bytes.length - offset < CHUNK_HEADER) {
      // A header cut short is a crashed writer; zero bytes to the end are a preallocated tail.
      if (bytes.subarray(offset).some((byte) => byte !== 0))
        problems.push({ offset, message: `the file ends inside a chunk header (${bytes.length - offset} bytes): read up to the last whole record` });
      break;
    }
    const crc = view.getUint32(offset, true);
    const length = view.getUint16(offset + 4, true);
    const type = bytes[offset + 6]!;
    if (crc === 0 && length === 0 && type === 0) {
      // Zeros: the rest of this block was never written (wandb-core pads a block it closes early).
      offset += left;
      continue;
    }
    const start = offset + CHUNK_HEADER;
    const end = start + length;
    if (end > bytes.length) {
      problems.push({
        offset,
        message: `the file ends inside a record (${length} bytes announced, ${bytes.length - start} present): read up to the last whole record`,
      });
      partsStart = -1;
      parts = [];
      break;
    }
    if (end > offset + left) {
      problems.push({ offset, message: `chunk of ${length} bytes overruns its 32 KiB block: rest of the block skipped` });
      dropParts('a record split across blocks lost a part');
      offset += left;
      continue;
    }
    const data = bytes.subarray(start, end);
    if (crc32(data, crc32(bytes.subarray(offset + 6, offset + 7))) !== crc) {
      problems.push({ offset, message: 'chunk CRC mismatch: rest of the block skipped' });
      dropParts('a record split across blocks lost a part');
      offset += left;
      continue;
    }
    offset = end;
    if (type === FULL) {
      if (partsStart >= 0) dropParts('a record split across blocks has no last part');
      records.push({ offset: start - CHUNK_HEADER, data });
    } else if (type === FIRST) {
      if (partsStart >= 0) dropParts('a record split across blocks has no last part');
      parts = [data];
      partsStart = start - CHUNK_HEADER;
    } else if (type === MIDDLE || type === LAST) {
      if (partsStart < 0) {
        problems.push({ offset: start - CHUNK_HEADER, message: 'part of a split record without its first part: skipped' });
        continue;
      }
      parts.push(data);
      if (type === LAST) {
        records.push({ offset: partsStart, data: concat(parts) });
        parts = [];
        partsStart = -1;
      }
    } else {
      problems.push({ offset: start - CHUNK_HEADER, message: `unknown chunk type ${type}: skipped` });
    }
  }
  if (partsStart >= 0) problems.push({ offset: partsStart, message: 'the file ends inside a record split across blocks: read up to the last whole record' });
  return { records, problems };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
