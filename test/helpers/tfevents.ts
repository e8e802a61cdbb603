/**
 * Writes TensorBoard event files for tests: TFRecord framing with both masked CRC-32Cs, and Events
 * carrying `file_version`, scalar `simple_value`s (as tensorboardX and torch write them) or any
 * other Summary.Value: legacy images and histograms, plugin tensors (TF2 images, histograms, text,
 * PR curves) and audio, laid out as tensorboard/compat/proto/summary.proto and tensor.proto say.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { maskedCrc32c } from '../../src/import/crc32c.ts';

export interface ScalarEvent {
  wallTime: number;
  step: number;
  scalars?: Record<string, number>;
  values?: SummaryValue[];
}

/** A TensorProto: dtype (1 float, 2 double, 7 string), shape, and its values in one representation. */
export interface TensorValue {
  dtype: number;
  shape: number[];
  strings?: Uint8Array[];
  doubles?: number[];
  floats?: number[];
  /** `tensor_content`: packed little-endian elements. */
  content?: Uint8Array;
}

export type SummaryValue = { tag: string; plugin?: string; pluginContent?: Uint8Array } & (
  | { image: { width: number; height: number; colorspace?: number; encoded: Uint8Array } }
  | { histo: { min: number; max: number; num: number; sum: number; sumSquares: number; limits: number[]; counts: number[] } }
  | { tensor: TensorValue }
  | { audio: Uint8Array }
);

/** One event file: a `file_version` event at `start`, then the scalar events in order. */
export function eventFile(start: number, events: readonly ScalarEvent[]): Buffer {
  const records = [encodeEvent({ wallTime: start, step: 0, fileVersion: 'brain.Event:2' }), ...events.map((event) => encodeEvent(event))];
  return Buffer.concat(records.flatMap(frame));
}

function encodeEvent(event: { wallTime: number; step: number; fileVersion?: string; scalars?: Record<string, number>; values?: SummaryValue[] }): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(1, 1).double(event.wallTime);
  if (event.step !== 0) writer.tag(2, 0).int64(event.step);
  if (event.fileVersion !== undefined) writer.tag(3, 2).string(event.fileVersion);
  if (event.scalars || event.values) {
    const summary = new BinaryWriter();
    for (const [tag, value] of Object.entries(event.scalars ?? {})) {
      summary.tag(1, 2).bytes(new BinaryWriter().tag(1, 2).string(tag).tag(2, 5).float(value).finish());
    }
    for (const value of event.values ?? []) summary.tag(1, 2).bytes(encodeValue(value));
    writer.tag(5, 2).bytes(summary.finish());
  }
  return writer.finish();
}

function encodeValue(value: SummaryValue): Uint8Array {
  const writer = new BinaryWriter().tag(1, 2).string(value.tag);
  if (value.plugin !== undefined) {
    const plugin = new BinaryWriter().tag(1, 2).string(value.plugin);
    if (value.pluginContent) plugin.tag(2, 2).bytes(value.pluginContent);
    writer.tag(9, 2).bytes(new BinaryWriter().tag(1, 2).bytes(plugin.finish()).finish());
  }
  if ('image' in value) {
    const { width, height, colorspace, encoded } = value.image;
    writer.tag(4, 2).bytes(
      new BinaryWriter()
        .tag(1, 0)
        .int32(height)
        .tag(2, 0)
        .int32(width)
        .tag(3, 0)
        .int32(colorspace ?? 3)
        .tag(4, 2)
        .bytes(encoded)
        .finish(),
    );
  } else if ('histo' in value) {
    const { min, max, num, sum, sumSquares, limits, counts } = value.histo;
    const histo = new BinaryWriter().tag(1, 1).double(min).tag(2, 1).double(max).tag(3, 1).double(num).tag(4, 1).double(sum).tag(5, 1).double(sumSquares);
    histo.tag(6, 2).fork();
    for (const limit of limits) histo.double(limit);
    histo.join().tag(7, 2).fork();
    for (const count of counts) histo.double(count);
    writer.tag(5, 2).bytes(histo.join().finish());
  } else if ('tensor' in value) writer.tag(8, 2).bytes(encodeTensor(value.tensor));
  else writer.tag(6, 2).bytes(new BinaryWriter().tag(1, 5).float(16000).tag(4, 2).bytes(value.audio).tag(5, 2).string('audio/wav').finish());
  return writer.finish();
}

function encodeTensor(tensor: TensorValue): Uint8Array {
  const writer = new BinaryWriter().tag(1, 0).int32(tensor.dtype);
  const shape = new BinaryWriter();
  for (const size of tensor.shape) shape.tag(2, 2).bytes(new BinaryWriter().tag(1, 0).int64(size).finish());
  writer.tag(2, 2).bytes(shape.finish());
  if (tensor.content) writer.tag(4, 2).bytes(tensor.content);
  if (tensor.floats) {
    writer.tag(5, 2).fork();
    for (const value of tensor.floats) writer.float(value);
    writer.join();
  }
  if (tensor.doubles) {
    writer.tag(6, 2).fork();
    for (const value of tensor.doubles) writer.double(value);
    writer.join();
  }
  for (const bytes of tensor.strings ?? []) writer.tag(8, 2).bytes(bytes);
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
