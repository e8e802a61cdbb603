/**
 * Writes TensorBoard event files for tests: TFRecord framing with both masked CRC-32Cs, and Events
 * carrying `file_version` or scalar `simple_value`s, as tensorboardX and torch write them.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { maskedCrc32c } from '../../src/import/crc32c.ts';

export interface ScalarEvent {
  wallTime: number;
  step: number;
  scalars: Record<string, number>;
}

/** One event file: a `file_version` event at `start`, then the scalar events in order. */
export function eventFile(start: number, events: readonly ScalarEvent[]): Buffer {
  const records = [encodeEvent({ wallTime: start, step: 0, fileVersion: 'brain.Event:2' }), ...events.map((event) => encodeEvent(event))];
  return Buffer.concat(records.flatMap(frame));
}

function encodeEvent(event: { wallTime: number; step: number; fileVersion?: string; scalars?: Record<string, number> }): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(1, 1).double(event.wallTime);
  if (event.step !== 0) writer.tag(2, 0).int64(event.step);
  if (event.fileVersion !== undefined) writer.tag(3, 2).string(event.fileVersion);
  if (event.scalars) {
    const summary = new BinaryWriter();
    for (const [tag, value] of Object.entries(event.scalars)) {
      summary.tag(1, 2).bytes(new BinaryWriter().tag(1, 2).string(tag).tag(2, 5).float(value).finish());
    }
    writer.tag(5, 2).bytes(summary.finish());
  }
  return writer.finish();
}

function frame(data: Uint8Array): Buffer[] {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data), 0);
  return [header, Buffer.from(data), footer];
}
