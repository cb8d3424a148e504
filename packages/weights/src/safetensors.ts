import { DTYPE_BYTES, decodeValues, isWeightDType } from './dtypes';
import { WeightsFormatError } from './errors';
import { numel, type TensorMap, type WeightTensor } from './tensor-map';

/** Headers larger than this are refused (the reference implementation's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsFile {
  tensors: TensorMap;
  /** The header's `__metadata__` (string → string), when present. */
  metadata: Record<string, string>;
}

/**
 * Reads a `.safetensors` file: u64 little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}}`, then the data. Everything is checked
 * against the file before a value is read: header length against the file size, each tensor's
 * byte range against its dtype × shape and the data size, ranges not overlapping and covering
 * the data with no gap (as the format requires).
 */
export function readSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (bytes.byteLength < 8) throw new WeightsFormatError(`${source}: ${bytes.byteLength} bytes is too short for a safetensors file (8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    throw new WeightsFormatError(`${source}: header length ${headerLen} does not fit the file's ${bytes.byteLength} bytes (not a safetensors file, or truncated)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new WeightsFormatError(`${source}: the header is not valid UTF-8 JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new WeightsFormatError(`${source}: the header is not a JSON object`);
  const dataStart = 8 + headerLen;
  const dataBytes = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<{ name: string; begin: number; end: number; dtype: WeightTensor['dtype']; shape: number[] }> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') metadata[k] = v;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `${source}: tensor '${name}'`;
    if (!e || typeof e !== 'object') throw new WeightsFormatError(`${where} is not an object`);
    if (!isWeightDType(e.dtype)) throw new WeightsFormatError(`${where} has unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new WeightsFormatError(`${where} has a bad shape ${JSON.stringify(e.shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      throw new WeightsFormatError(`${where} has bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (end > dataBytes) throw new WeightsFormatError(`${where}: data_offsets [${begin}, ${end}] run past the ${dataBytes} data bytes (truncated file?)`);
    const need = numel(e.shape) * DTYPE_BYTES[e.dtype];
    if (end - begin !== need) throw new WeightsFormatError(`${where}: ${e.dtype}[${e.shape.join(', ')}] needs ${need} bytes, data_offsets give ${end - begin}`);
    entries.push({ name, begin, end, dtype: e.dtype, shape: e.shape as number[] });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos) throw new WeightsFormatError(`${source}: tensor '${e.name}' overlaps the previous tensor's bytes`);
    if (e.begin > pos) throw new WeightsFormatError(`${source}: ${e.begin - pos} unused bytes before tensor '${e.name}'`);
    pos = e.end;
  }
  if (pos !== dataBytes) throw new WeightsFormatError(`${source}: ${dataBytes - pos} bytes after the last tensor belong to none`);
  const tensors: TensorMap = new Map();
  for (const e of sorted) {
    const data = decodeValues(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, numel(e.shape), `${source}: '${e.name}'`);
    tensors.set(e.name, { shape: e.shape, dtype: e.dtype, data });
  }
  return { tensors, metadata };
}

/**
 * Writes tensors as safetensors (F16/BF16 tensors hold float32 values here and are written as F32).
 * The header is padded with spaces to 8 bytes so the data starts aligned, as the reference writer does.
 */
export function encodeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const dtype = t.dtype === 'F16' || t.dtype === 'BF16' ? 'F32' : t.dtype;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (bytes.byteLength !== numel(t.shape) * DTYPE_BYTES[dtype]) throw new WeightsFormatError(`encodeSafetensors: '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let pos = 8 + head.byteLength;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}
