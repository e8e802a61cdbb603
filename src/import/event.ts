/**
 * TensorBoard `Event` protos (tensorflow/core/util/event.proto, summary.proto, tensor.proto), decoded
 * with @bufbuild/protobuf's wire reader: only the fields an import needs, everything else skipped.
 *
 * Scalars come in two encodings: TF1/PyTorch `Summary.Value.simple_value` (a float), and TF2/Keras
 * `Summary.Value.tensor`, a rank-0 (or single-element) float/double tensor in `tensor_content` or
 * `float_val`/`double_val`. Every other value (legacy `image` and `histo`, plugin tensors of images,
 * histograms, text, PR curves, audio) is handed on as a {@link SummaryItem} for tensorboard-media.ts,
 * which knows the plugins; the hparams plugin's session start gives the run's hyperparameters.
 */
import { setOwn } from '../run/keys.ts';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

export interface ScalarValue {
  tag: string;
  value: number;
}

/** A TensorProto, as far as media need it. */
export interface DecodedTensor {
  dtype: number;
  /** Dimension sizes; empty for a rank-0 tensor. */
  shape: number[];
  /** `tensor_content`: the elements packed little-endian. */
  content?: Uint8Array;
  /** `float_val`, `double_val`, `int_val` or `int64_val`, whichever was set. */
  numbers: number[];
  /** `string_val`: the elements of a DT_STRING tensor. */
  strings: Uint8Array[];
}

/**
 * A summary value that is not a scalar. Only the first value of a tag carries its plugin in the
 * metadata (summary.proto: "the FileWriter only keeps a metadata object on the first summary value
 * with a certain tag"), so the reader of a run remembers plugins by tag.
 */
export interface SummaryItem {
  tag: string;
  plugin?: string;
  /** The plugin's own serialized metadata (pr_curves: num_thresholds). */
  pluginContent?: Uint8Array;
  /** Legacy `Summary.Value.image`: one encoded image. */
  image?: { width: number; height: number; encoded: Uint8Array };
  /** Legacy `Summary.Value.histo` (HistogramProto). */
  histogram?: { min: number; max: number; limits: number[]; counts: number[] };
  tensor?: DecodedTensor;
  /** Legacy `Summary.Value.audio` or `obsolete_old_style_histogram`: a kind runpages does not import. */
  other?: 'audio' | 'old-style histogram';
}

export interface DecodedEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  scalars: ScalarValue[];
  /** Values that are neither scalars nor hparams, in the order logged. */
  items: SummaryItem[];
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
const VALUE_OLD_HISTOGRAM = 3;
const VALUE_IMAGE = 4;
const VALUE_HISTO = 5;
const VALUE_AUDIO = 6;
const VALUE_METADATA = 9;
const VALUE_TENSOR = 8;
const IMAGE_HEIGHT = 1;
const IMAGE_WIDTH = 2;
const IMAGE_ENCODED = 4;
const HISTO_MIN = 1;
const HISTO_MAX = 2;
const HISTO_BUCKET_LIMIT = 6;
const HISTO_BUCKET = 7;
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
const TENSOR_INT_VAL = 7;
const TENSOR_STRING_VAL = 8;
const TENSOR_INT64_VAL = 10;
const SHAPE_DIM = 2;
const DIM_SIZE = 1;
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;

/**
 * Decodes one event record. Throws on malformed protobuf (the caller reports it and goes on).
 *
 * @example
 * for (const { data } of readTfRecords(bytes).records) decodeEvent(data).scalars
 */
export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const reader = new BinaryReader(bytes);
  const event: DecodedEvent = { wallTime: 0, step: 0, scalars: [], items: [] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === EVENT_WALL_TIME && wireType === WireType.Bit64) event.wallTime = reader.double();
    else if (field === EVENT_STEP && wireType === WireType.Varint) event.step = Number(reader.int64());
    else if (field === EVENT_SUMMARY && wireType === WireType.LengthDelimited) {
      const summary = decodeSummary(reader.bytes());
      event.scalars.push(...summary.scalars);
      event.items.push(...summary.items);
      if (summary.hparams) event.hparams = { ...event.hparams, ...summary.hparams };
    } else reader.skip(wireType, field);
  }
  return event;
}

function decodeSummary(bytes: Uint8Array): { scalars: ScalarValue[]; items: SummaryItem[]; hparams?: Record<string, unknown> } {
  const reader = new BinaryReader(bytes);
  const scalars: ScalarValue[] = [];
  const items: SummaryItem[] = [];
  let hparams: Record<string, unknown> | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === SUMMARY_VALUE && wireType === WireType.LengthDelimited) {
      const value = decodeValue(reader.bytes());
      if (value && 'hparams' in value) hparams = { ...hparams, ...value.hparams };
      else if (value && 'value' in value) scalars.push(value);
      else if (value) items.push(value);
    } else reader.skip(wireType, field);
  }
  return hparams ? { scalars, items, hparams } : { scalars, items };
}

function decodeValue(bytes: Uint8Array): ScalarValue | SummaryItem | { hparams: Record<string, unknown> } | undefined {
  const reader = new BinaryReader(bytes);
  let tag = '';
  let plugin: { name?: string; content?: Uint8Array } = {};
  let simple: number | undefined;
  let tensor: DecodedTensor | undefined;
  let image: SummaryItem['image'];
  let histogram: SummaryItem['histogram'];
  let other: SummaryItem['other'];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === VALUE_TAG && wireType === WireType.LengthDelimited) tag = reader.string();
    else if (field === VALUE_SIMPLE_VALUE && wireType === WireType.Bit32) simple = reader.float();
    else if (field === VALUE_METADATA && wireType === WireType.LengthDelimited) plugin = pluginData(reader.bytes());
    else if (field === VALUE_TENSOR && wireType === WireType.LengthDelimited) tensor = decodeTensor(reader.bytes());
    else if (field === VALUE_IMAGE && wireType === WireType.LengthDelimited) image = decodeImage(reader.bytes());
    else if (field === VALUE_HISTO && wireType === WireType.LengthDelimited) histogram = decodeHistogram(reader.bytes());
    else if (field === VALUE_AUDIO && wireType === WireType.LengthDelimited) {
      other = 'audio';
      reader.skip(wireType, field);
    } else if (field === VALUE_OLD_HISTOGRAM && wireType === WireType.LengthDelimited) {
      other = 'old-style histogram';
      reader.skip(wireType, field);
    } else reader.skip(wireType, field);
  }
  if (plugin.name === 'hparams' && plugin.content) {
    const hparams = sessionStartHparams(plugin.content);
    return hparams ? { hparams } : undefined;
  }
  if (!tag) return undefined;
  const named = plugin.name !== undefined && plugin.name !== '';
  if (!named || plugin.name === 'scalars') {
    const value = simple ?? (tensor ? scalarOf(tensor) : undefined);
    if (value !== undefined) return { tag, value };
  }
  if (!image && !histogram && !tensor && !other) return undefined;
  const item: SummaryItem = { tag };
  if (named) item.plugin = plugin.name as string;
  if (plugin.content?.length) item.pluginContent = plugin.content;
  if (image) item.image = image;
  if (histogram) item.histogram = histogram;
  if (tensor) item.tensor = tensor;
  if (other) item.other = other;
  return item;
}

/** Summary.Image: its declared size and encoded bytes. */
function decodeImage(bytes: Uint8Array): NonNullable<SummaryItem['image']> {
  const reader = new BinaryReader(bytes);
  const image: NonNullable<SummaryItem['image']> = { width: 0, height: 0, encoded: new Uint8Array() };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === IMAGE_HEIGHT && wireType === WireType.Varint) image.height = reader.int32();
    else if (field === IMAGE_WIDTH && wireType === WireType.Varint) image.width = reader.int32();
    else if (field === IMAGE_ENCODED && wireType === WireType.LengthDelimited) image.encoded = reader.bytes();
    else reader.skip(wireType, field);
  }
  return image;
}

/** HistogramProto: min, max and the parallel bucket_limit / bucket arrays. */
function decodeHistogram(bytes: Uint8Array): NonNullable<SummaryItem['histogram']> {
  const reader = new BinaryReader(bytes);
  const histogram = { min: 0, max: 0, limits: [] as number[], counts: [] as number[] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === HISTO_MIN && wireType === WireType.Bit64) histogram.min = reader.double();
    else if (field === HISTO_MAX && wireType === WireType.Bit64) histogram.max = reader.double();
    else if (field === HISTO_BUCKET_LIMIT || field === HISTO_BUCKET)
      readRepeated(reader, wireType, () => reader.double(), field === HISTO_BUCKET_LIMIT ? histogram.limits : histogram.counts);
    else reader.skip(wireType, field);
  }
  return histogram;
}

/** A repeated scalar field, packed (one length-delimited run) or not (one value per tag). */
function readRepeated(reader: BinaryReader, wireType: WireType, read: () => number, into: number[]): void {
  if (wireType === WireType.LengthDelimited) {
    const end = reader.uint32() + reader.pos;
    while (reader.pos < end) into.push(read());
  } else into.push(read());
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

/** A TensorProto's type, shape and values. */
function decodeTensor(bytes: Uint8Array): DecodedTensor {
  const reader = new BinaryReader(bytes);
  const tensor: DecodedTensor = { dtype: 0, shape: [], numbers: [], strings: [] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === TENSOR_DTYPE && wireType === WireType.Varint) tensor.dtype = reader.int32();
    else if (field === TENSOR_SHAPE && wireType === WireType.LengthDelimited) tensor.shape = shapeDims(reader.bytes());
    else if (field === TENSOR_CONTENT && wireType === WireType.LengthDelimited) tensor.content = reader.bytes();
    else if (field === TENSOR_FLOAT_VAL) readRepeated(reader, wireType, () => reader.float(), tensor.numbers);
    else if (field === TENSOR_DOUBLE_VAL) readRepeated(reader, wireType, () => reader.double(), tensor.numbers);
    else if (field === TENSOR_INT_VAL) readRepeated(reader, wireType, () => reader.int32(), tensor.numbers);
    else if (field === TENSOR_INT64_VAL) readRepeated(reader, wireType, () => Number(reader.int64()), tensor.numbers);
    else if (field === TENSOR_STRING_VAL && wireType === WireType.LengthDelimited) tensor.strings.push(reader.bytes());
    else reader.skip(wireType, field);
  }
  return tensor;
}

/** The value of a single-element float or double tensor; undefined for anything else. */
function scalarOf(tensor: DecodedTensor): number | undefined {
  const { dtype, content, numbers } = tensor;
  const elements = tensor.shape.reduce((product, size) => product * size, 1);
  if ((dtype !== DT_FLOAT && dtype !== DT_DOUBLE) || elements !== 1) return undefined;
  if (content) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    if (dtype === DT_FLOAT && content.length === 4) return view.getFloat32(0, true);
    if (dtype === DT_DOUBLE && content.length === 8) return view.getFloat64(0, true);
    return undefined;
  }
  return numbers.length === 1 ? numbers[0] : undefined;
}

/**
 * The numbers of a float, double or integer tensor, from `tensor_content` or the typed values, in
 * row-major order; undefined for other types or when the count does not match the shape.
 *
 * @example tensorNumbers(item.tensor) // [l0, r0, c0, l1, r1, c1, ...] for a [k, 3] histogram
 */
export function tensorNumbers(tensor: DecodedTensor): number[] | undefined {
  const elements = tensor.shape.reduce((product, size) => product * size, 1);
  const width = ELEMENT_BYTES[tensor.dtype];
  if (width === undefined) return undefined;
  let values = tensor.numbers;
  if (tensor.content) {
    const { content } = tensor;
    if (content.length !== elements * width) return undefined;
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    values = [];
    for (let at = 0; at < content.length; at += width) {
      if (tensor.dtype === DT_FLOAT) values.push(view.getFloat32(at, true));
      else if (tensor.dtype === DT_DOUBLE) values.push(view.getFloat64(at, true));
      else if (tensor.dtype === DT_INT32) values.push(view.getInt32(at, true));
      else values.push(Number(view.getBigInt64(at, true)));
    }
  } else if (values.length === 1 && elements > 1) values = Array.from({ length: elements }, () => values[0] as number); // version 0: one value fills the shape
  return values.length === elements ? values : undefined;
}

/** Bytes per element in `tensor_content`, for the types media read. */
const ELEMENT_BYTES: Record<number, number> = { [DT_FLOAT]: 4, [DT_DOUBLE]: 8, [DT_INT32]: 4, [DT_INT64]: 8 };

/** The dimension sizes of a TensorShapeProto (none for rank 0). */
function shapeDims(bytes: Uint8Array): number[] {
  const reader = new BinaryReader(bytes);
  const dims: number[] = [];
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
      dims.push(size);
    } else reader.skip(wireType, field);
  }
  return dims;
}
