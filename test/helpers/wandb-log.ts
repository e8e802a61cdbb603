/** Writes `.wandb` transaction logs for tests (records framed in 32 KiB blocks, as wandb does). */
import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * The writer's side of the format, after wandb/sdk/internal/datastore.py `_write_record`/`_write_data`:
 * pad a block with fewer than 7 bytes left, else write as much as fits, FIRST/MIDDLE/LAST when split.
 */
export function writeWandbLog(payloads: readonly Uint8Array[]): Uint8Array {
  const BLOCK = 32 * 1024;
  const chunks: Buffer[] = [Buffer.from([0x3a, 0x57, 0x26, 0x42, 0xe1, 0xbe, 0x00])];
  let offset = 7;
  const chunk = (type: number, data: Uint8Array): void => {
    const header = Buffer.alloc(7);
    header.writeUInt32LE(zlibCrc32(data, zlibCrc32(Buffer.from([type]))), 0);
    header.writeUInt16LE(data.length, 4);
    header[6] = type;
    chunks.push(header, Buffer.from(data));
    offset += 7 + data.length;
  };
  for (const payload of payloads) {
    let rest = payload;
    let first = true;
    let done = false;
    while (!done) {
      const left = BLOCK - (offset % BLOCK);
      if (left < 7) {
        chunks.push(Buffer.alloc(left));
        offset += left;
        continue;
      }
      const piece = rest.subarray(0, left - 7);
      done = piece.length === rest.length;
      chunk(first && done ? 1 : first ? 2 : done ? 4 : 3, piece);
      rest = rest.subarray(piece.length);
      first = false;
    }
  }
  return Buffer.concat(chunks);
}
