/**
 * TFRecord framing, the container of TensorBoard event files: each record is
 * `uint64 length | uint32 masked CRC-32C of length | data | uint32 masked CRC-32C of data`, little-endian.
 * Reading is forgiving: a record whose data fails its CRC is reported and skipped; a length that
 * fails its CRC, or a record cut short (a writer still running or killed), ends the file with a report.
 */
import { maskedCrc32c } from './crc32c.ts';

export interface TfRecord {
  /** Byte offset of the record's header in the file. */
  offset: number;
  data: Uint8Array;
}

export interface TfRecordProblem {
  offset: number;
  message: string;
}

const HEADER = 12;
const FOOTER = 4;

/**
 * Splits a TFRecord file into its records, checking both CRCs of each.
 *
 * @example
 * const { records, problems } = readTfRecords(await readFile('events.out.tfevents.123'));
 */
export function readTfRecords(bytes: Uint8Array): { records: TfRecord[]; problems: TfRecordProblem[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: TfRecord[] = [];
  const problems: TfRecordProblem[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < HEADER) {
      problems.push({ offset, message: `truncated record header (${bytes.length - offset} bytes left)` });
      break;
    }
    if (maskedCrc32c(bytes.subarray(offset, offset + 8)) !== view.getUint32(offset + 8, true)) {
      problems.push({ offset, message: 'length CRC mismatch: the rest of the file cannot be framed' });
      break;
    }
    const length = Number(view.getBigUint64(offset, true));
    const start = offset + HEADER;
    const end = start + length;
    if (end + FOOTER > bytes.length) {
      problems.push({ offset, message: `truncated record (${length} data bytes announced, ${Math.max(0, bytes.length - start)} present)` });
      break;
    }
    const data = bytes.subarray(start, end);
    if (maskedCrc32c(data) !== view.getUint32(end, true)) problems.push({ offset, message: 'data CRC mismatch: record skipped' });
    else records.push({ offset, data });
    offset = end + FOOTER;
  }
  return { records, problems };
}
