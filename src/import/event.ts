/**
 * TensorBoard `Event` protos (tensorflow/core/util/event.proto, summary.proto, tensor.proto), decoded
 * with @bufbuild/protobuf's wire reader: only the fields a scalar import needs, everything else skipped.
 *
 * Scalars come in two encodings: TF1/PyTorch `Summary.Value.simple_value` (a float), and TF2/Keras
 * `Summary.Value.tensor`, a rank-0 (or single-element) float/double tensor in `tensor_content` or
 * `float_val`/`double_val`. Values whose plugin is not `scalars` (histograms, images, hparams, graphs)
 * are not scalars and are left out; the hparams plugin's session start gives the run's hyperparameters.
 */
import { setOwn } from '../run/keys.ts';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

export interface ScalarValue {
  tag: string;
  value: number;
}

export interface DecodedEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  scalars: ScalarValue[];
  /** Hyperparameters from the hparams plugin's session start (PyTorch `add_hparams`, Lightning, Keras HParams). */
  hparams?: Record<string, unknown>;
}

// Field numbers from the .proto files.
const EVENT_WALL_TIME = 1;
const EVENT_STEP = 2;
const EVENT_SUMMARY = 5;
const SUMMARY_VALUE = 1;
const VALUE_TAG = 1;
const VALUE_SIMPLE_VALUE = 2;
const VALUE_METADATA = 9;
const VALUE_TENSOR = 8;
const METADATA_PLUGIN_DATA = 1;
const PLUGIN_NAME = 1;
const PLUGIN_CONTENT = 2;
// tensorboard/plugins/hparams/plugin_data.proto and google/protobuf/struct.proto
const HPARAMS_SESSION_START = 3;
const SESSION_START_HPARAMS = 1;
const MAP_KEY = 1;
const MAP_VALUE = 2;
const VALUE_NUMBER = 2;
const VALUE_STRING = 3;
const VALUE_BOOL = 4;
const VALUE_LIST = 6;
const LIST_VALUES = 1;
const TENSOR_DTYPE = 1;
const TENSOR_SHAPE = 2;
const TENSOR_CONTENT = 4;
const TENSOR_FLOAT_VAL = 5;
const TENSOR_DOUBLE_VAL = 6;
const SHAPE_DIM = 2;
const DIM_SIZE = 1;
const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/**
 * Decodes one event record. Throws on malformed protobuf (the caller reports it and goes on).
 *
 * @example
 * for (const { data } of readTfRecords(bytes).records) decodeEvent(data).scalars
 */
export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const reader = new BinaryReader(bytes);
  const event: DecodedEvent = { wallTime: 0, step: 0, scalars: [] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === EVENT_WALL_TIME && wireType === WireType.Bit64) event.wallTime = reader.double();
    else if (field === EVENT_STEP && wireType === WireType.Varint) event.step = Number(reader.int64());
    else if (field === EVENT_SUMMARY && wireType === WireType.LengthDelimited) {
      const summary = decodeSummary(reader.bytes());
      event.scalars.push(...summary.scalars);
      if (summary.hparams) event.hparams = { ...event.hparams, ...summary.hparams };
    }
    else reader.skip(wireType, field);
  }
  return event;
}

function decodeSummary(bytes: Uint8Array): { scalars: ScalarValue[]; hparams?: Record<string, unknown> } {
  const reader = new BinaryReader(bytes);
  const scalars: ScalarValue[] = [];
  let hparams: Record<string, unknown> | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === SUMMARY_VALUE && wireType === WireType.LengthDelimited) {
      const value = decodeValue(reader.bytes());
      if (value && 'hparams' in value) hparams = { ...hparams, ...value.hparams };
      else if (value) scalars.push(value);
    } else reader.skip(wireType, field);
  }
  return hparams ? { scalars, hparams } : { scalars };
}

function decodeValue(bytes: Uint8Array): ScalarValue | { hparams: Record<string, unknown> } | undefined {
  const reader = new BinaryReader(bytes);
  let tag = '';
  let plugin: { name?: string; content?: Uint8Array } = {};
  let simple: number | undefined;
  let tensor: number | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === VALUE_TAG && wireType === WireType.LengthDelimited) tag = reader.string();
    else if (field === VALUE_SIMPLE_VALUE && wireType === WireType.Bit32) simple = reader.float();
    else if (field === VALUE_METADATA && wireType === WireType.LengthDelimited) plugin = pluginData(reader.bytes());
    else if (field === VALUE_TENSOR && wireType === WireType.LengthDelimited) tensor = scalarTensor(reader.bytes());
    else reader.skip(wireType, field);
  }
  if (plugin.name === 'hparams' && plugin.content) {
    const hparams = sessionStartHparams(plugin.content);
    return hparams ? { hparams } : undefined;
  }
  if (!tag || (plugin.name !== undefined && plugin.name !== '' && plugin.name !== 'scalars')) return undefined;
  const value = simple ?? tensor;
  return value === undefined ? undefined : { tag, value };
}

/** SummaryMetadata.plugin_data: the plugin's name and its own serialized content. */
function pluginData(bytes: Uint8Array): { name?: string; content?: Uint8Array } {
  const reader = new BinaryReader(bytes);
  const out: { name?: string; content?: Uint8Array } = {};
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === METADATA_PLUGIN_DATA && wireType === WireType.LengthDelimited) {
      const plugin = new BinaryReader(reader.bytes());
      while (plugin.pos < plugin.len) {
        const [inner, innerType] = plugin.tag();
        if (inner === PLUGIN_NAME && innerType === WireType.LengthDelimited) out.name = plugin.string();
        else if (inner === PLUGIN_CONTENT && innerType === WireType.LengthDelimited) out.content = plugin.bytes();
        else plugin.skip(innerType, inner);
      }
    } else reader.skip(wireType, field);
  }
  return out;
}

/** HParamsPluginData.session_start_info.hparams (a map of google.protobuf.Value), if this is a session start. */
function sessionStartHparams(bytes: Uint8Array): Record<string, unknown> | undefined {
  const reader = new BinaryReader(bytes);
  let hparams: Record<string, unknown> | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === HPARAMS_SESSION_START && wireType === WireType.LengthDelimited) {
      hparams = {};
      const start = new BinaryReader(reader.bytes());
      while (start.pos < start.len) {
        const [inner, innerType] = start.tag();
        if (inner === SESSION_START_HPARAMS && innerType === WireType.LengthDelimited) {
          const entry = new BinaryReader(start.bytes());
          let key = '';
          let value: unknown;
          while (entry.pos < entry.len) {
            const [part, partType] = entry.tag();
            if (part === MAP_KEY && partType === WireType.LengthDelimited) key = entry.string();
            else if (part === MAP_VALUE && partType === WireType.LengthDelimited) value = protobufValue(entry.bytes());
            else entry.skip(partType, part);
          }
          if (key && value !== undefined) setOwn(hparams, key, value);
        } else start.skip(innerType, inner);
      }
    } else reader.skip(wireType, field);
  }
  return hparams;
}

/** A google.protobuf.Value: number, string, bool or list of those (null and structs are left out). */
function protobufValue(bytes: Uint8Array): unknown {
  const reader = new BinaryReader(bytes);
  let value: unknown;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === VALUE_NUMBER && wireType === WireType.Bit64) value = reader.double();
    else if (field === VALUE_STRING && wireType === WireType.LengthDelimited) value = reader.string();
    else if (field === VALUE_BOOL && wireType === WireType.Varint) value = reader.bool();
    else if (field === VALUE_LIST && wireType === WireType.LengthDelimited) {
      const list = new BinaryReader(reader.bytes());
      const items: unknown[] = [];
      while (list.pos < list.len) {
        const [inner, innerType] = list.tag();
        if (inner === LIST_VALUES && innerType === WireType.LengthDelimited) items.push(protobufValue(list.bytes()));
        else list.skip(innerType, inner);
      }
      value = items.filter((item) => item !== undefined);
    } else reader.skip(wireType, field);
  }
  return value;
}

/** The value of a single-element float or double tensor; undefined for anything else. */
function scalarTensor(bytes: Uint8Array): number | undefined {
  const reader = new BinaryReader(bytes);
  let dtype = 0;
  let elements = 1;
  let content: Uint8Array | undefined;
  const values: number[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === TENSOR_DTYPE && wireType === WireType.Varint) dtype = reader.int32();
    else if (field === TENSOR_SHAPE && wireType === WireType.LengthDelimited) elements = shapeElements(reader.bytes());
    else if (field === TENSOR_CONTENT && wireType === WireType.LengthDelimited) content = reader.bytes();
    else if (field === TENSOR_FLOAT_VAL || field === TENSOR_DOUBLE_VAL) {
      const read = field === TENSOR_FLOAT_VAL ? () => reader.float() : () => reader.double();
      if (wireType === WireType.LengthDelimited) {
        const end = reader.uint32() + reader.pos;
        while (reader.pos < end) values.push(read());
      } else values.push(read());
    } else reader.skip(wireType, field);
  }
  if ((dtype !== DT_FLOAT && dtype !== DT_DOUBLE) || elements !== 1) return undefined;
  if (content) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    if (dtype === DT_FLOAT && content.length === 4) return view.getFloat32(0, true);
    if (dtype === DT_DOUBLE && content.length === 8) return view.getFloat64(0, true);
    return undefined;
  }
  return values.length === 1 ? values[0] : undefined;
}

/** Number of elements of a TensorShapeProto: the product of its dimension sizes (1 for rank 0). */
function shapeElements(bytes: Uint8Array): number {
  const reader = new BinaryReader(bytes);
  let count = 1;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === SHAPE_DIM && wireType === WireType.LengthDelimited) {
      const dim = new BinaryReader(reader.bytes());
      let size = 0;
      while (dim.pos < dim.len) {
        const [inner, innerType] = dim.tag();
        if (inner === DIM_SIZE && innerType === WireType.Varint) size = Number(dim.int64());
        else dim.skip(innerType, inner);
      }
      count *= size;
    } else reader.skip(wireType, field);
  }
  return count;
}
