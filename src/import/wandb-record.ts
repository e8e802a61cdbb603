/**
 * wandb's `Record` protobuf (wandb/proto/wandb_internal.proto), decoded with @bufbuild/protobuf's
 * wire reader: only the record kinds and fields an import needs; everything else is skipped.
 *
 * History, summary and config items are `key` (up to wandb 0.17) or `nested_key` (a path, from
 * 0.18, e.g. media dicts split per leaf) plus `value_json`, JSON as Python's `json.dumps` writes it
 * (so `NaN` and `Infinity` appear as bare tokens).
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** A history, summary or config item: its key path and its JSON text. */
export interface WandbItem {
  path: string[];
  json: string;
}

export interface WandbRunInfo {
  runId?: string;
  entity?: string;
  project?: string;
  group?: string;
  jobType?: string;
  displayName?: string;
  notes?: string;
  tags: string[];
  host?: string;
  /** Unix seconds. */
  startTime?: number;
  git?: { remote?: string; commit?: string };
  config: WandbItem[];
}

export interface WandbEnvironment {
  os?: string;
  python?: string;
  program?: string;
  args: string[];
  host?: string;
  username?: string;
  cpuCount?: number;
  gpu?: string;
  gpuCount?: number;
  git?: { remote?: string; commit?: string };
  /** Unix seconds. */
  startedAt?: number;
}

export type WandbRecord =
  | { kind: 'history'; items: WandbItem[]; step?: number }
  | { kind: 'summary'; update: WandbItem[]; remove: WandbItem[] }
  | { kind: 'config'; update: WandbItem[]; remove: WandbItem[] }
  | { kind: 'run'; run: WandbRunInfo }
  | { kind: 'exit'; exitCode: number; runtime: number }
  | { kind: 'environment'; environment: WandbEnvironment }
  | { kind: 'output'; line: string; stderr: boolean }
  | { kind: 'other'; field: number };

// Record's oneof record_type.
const RECORD_HISTORY = 2;
const RECORD_SUMMARY = 3;
const RECORD_OUTPUT = 4;
const RECORD_CONFIG = 5;
const RECORD_OUTPUT_RAW = 13;
const RECORD_RUN = 17;
const RECORD_EXIT = 18;
const RECORD_ENVIRONMENT = 26;

/**
 * Decodes one record's payload. Throws on malformed protobuf (the caller reports it and goes on).
 *
 * @example
 * for (const { data } of readWandbLog(bytes).records) decodeWandbRecord(data).kind
 */
export function decodeWandbRecord(bytes: Uint8Array): WandbRecord {
  const reader = new BinaryReader(bytes);
  let record: WandbRecord = { kind: 'other', field: 0 };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited || field === 1) {
      reader.skip(wireType, field);
      continue;
    }
    if (field === RECORD_HISTORY) record = history(reader.bytes());
    else if (field === RECORD_SUMMARY) record = { kind: 'summary', ...updates(reader.bytes()) };
    else if (field === RECORD_CONFIG) record = { kind: 'config', ...updates(reader.bytes()) };
    else if (field === RECORD_RUN) record = { kind: 'run', run: run(reader.bytes()) };
    else if (field === RECORD_EXIT) record = exit(reader.bytes());
    else if (field === RECORD_ENVIRONMENT) record = { kind: 'environment', environment: environment(reader.bytes()) };
    else if (field === RECORD_OUTPUT || field === RECORD_OUTPUT_RAW) record = output(reader.bytes());
    else if (field < 100) {
      reader.skip(wireType, field);
      if (record.kind === 'other') record = { kind: 'other', field };
    } else reader.skip(wireType, field); // control, uuid, _info
  }
  return record;
}

/** HistoryItem / SummaryItem / ConfigItem: key 1, nested_key 2, value_json 16. */
function item(bytes: Uint8Array): WandbItem {
  const reader = new BinaryReader(bytes);
  let key = '';
  const nested: string[] = [];
  let json = '';
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) key = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) nested.push(reader.string());
    else if (field === 16 && wireType === WireType.LengthDelimited) json = reader.string();
    else reader.skip(wireType, field);
  }
  return { path: nested.length ? nested : [key], json };
}

/** HistoryRecord: item 1, step 2 (HistoryStep.num 1). */
function history(bytes: Uint8Array): WandbRecord {
  const reader = new BinaryReader(bytes);
  const items: WandbItem[] = [];
  let step: number | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) items.push(item(reader.bytes()));
    else if (field === 2 && wireType === WireType.LengthDelimited) {
      const inner = new BinaryReader(reader.bytes());
      while (inner.pos < inner.len) {
        const [f, w] = inner.tag();
        if (f === 1 && w === WireType.Varint) step = Number(inner.int64());
        else inner.skip(w, f);
      }
    } else reader.skip(wireType, field);
  }
  return step === undefined ? { kind: 'history', items } : { kind: 'history', items, step };
}

/** SummaryRecord / ConfigRecord: update 1, remove 2. */
function updates(bytes: Uint8Array): { update: WandbItem[]; remove: WandbItem[] } {
  const reader = new BinaryReader(bytes);
  const out = { update: [] as WandbItem[], remove: [] as WandbItem[] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) out.update.push(item(reader.bytes()));
    else if (field === 2 && wireType === WireType.LengthDelimited) out.remove.push(item(reader.bytes()));
    else reader.skip(wireType, field);
  }
  return out;
}

/** google.protobuf.Timestamp as unix seconds. */
function timestamp(bytes: Uint8Array): number {
  const reader = new BinaryReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) seconds = Number(reader.int64());
    else if (field === 2 && wireType === WireType.Varint) nanos = reader.int32();
    else reader.skip(wireType, field);
  }
  return seconds + nanos / 1e9;
}

/** GitRepoRecord: remote_url 1, commit 2. */
function git(bytes: Uint8Array): { remote?: string; commit?: string } {
  const reader = new BinaryReader(bytes);
  const out: { remote?: string; commit?: string } = {};
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) out.remote = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) out.commit = reader.string();
    else reader.skip(wireType, field);
  }
  return out;
}

/** RunRecord. */
function run(bytes: Uint8Array): WandbRunInfo {
  const reader = new BinaryReader(bytes);
  const out: WandbRunInfo = { tags: [], config: [] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, field);
      continue;
    }
    if (field === 1) out.runId = reader.string();
    else if (field === 2) out.entity = reader.string();
    else if (field === 3) out.project = reader.string();
    else if (field === 4) out.config.push(...updates(reader.bytes()).update);
    else if (field === 6) out.group = reader.string();
    else if (field === 7) out.jobType = reader.string();
    else if (field === 8) out.displayName = reader.string();
    else if (field === 9) out.notes = reader.string();
    else if (field === 10) out.tags.push(reader.string());
    else if (field === 13) out.host = reader.string();
    else if (field === 17) out.startTime = timestamp(reader.bytes());
    else if (field === 21) out.git = git(reader.bytes());
    else reader.skip(wireType, field);
  }
  return out;
}

/** RunExitRecord: exit_code 1, runtime 2 (seconds). */
function exit(bytes: Uint8Array): WandbRecord {
  const reader = new BinaryReader(bytes);
  let exitCode = 0;
  let runtime = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) exitCode = reader.int32();
    else if (field === 2 && wireType === WireType.Varint) runtime = reader.int32();
    else reader.skip(wireType, field);
  }
  return { kind: 'exit', exitCode, runtime };
}

/** EnvironmentRecord (wandb-core, 0.19+): the metadata older versions kept in wandb-metadata.json. */
function environment(bytes: Uint8Array): WandbEnvironment {
  const reader = new BinaryReader(bytes);
  const out: WandbEnvironment = { args: [] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (wireType === WireType.Varint && (field === 16 || field === 19)) {
      const value = reader.uint32();
      if (field === 16) out.cpuCount = value;
      else out.gpuCount = value;
      continue;
    }
    if (wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, field);
      continue;
    }
    if (field === 1) out.os = reader.string();
    else if (field === 2) out.python = reader.string();
    else if (field === 3) out.startedAt = timestamp(reader.bytes());
    else if (field === 5) out.args.push(reader.string());
    else if (field === 6) out.program = reader.string();
    else if (field === 9) out.git = git(reader.bytes());
    else if (field === 12) out.host = reader.string();
    else if (field === 13) out.username = reader.string();
    else if (field === 18) out.gpu = reader.string();
    else reader.skip(wireType, field);
  }
  return out;
}

/** OutputRecord / OutputRawRecord: output_type 1 (0 stderr, 1 stdout), line 3. */
function output(bytes: Uint8Array): WandbRecord {
  const reader = new BinaryReader(bytes);
  let line = '';
  let stderr = true;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) stderr = reader.int32() === 0;
    else if (field === 3 && wireType === WireType.LengthDelimited) line = reader.string();
    else reader.skip(wireType, field);
  }
  return { kind: 'output', line, stderr };
}
