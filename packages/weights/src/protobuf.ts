import { WeightsFormatError } from './errors';

/** One protobuf field: varints as bigint, length-delimited fields as bytes, fixed32/64 as their raw bytes. */
export interface ProtoField {
  field: number;
  wire: 0 | 1 | 2 | 5;
  varint?: bigint;
  bytes?: Uint8Array;
}

/** Splits a protobuf message into its fields (no schema); every length is checked against the buffer. */
export function readFields(buf: Uint8Array, what: string): ProtoField[] {
  const out: ProtoField[] = [];
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (p >= buf.byteLength) throw new WeightsFormatError(`${what}: protobuf varint runs past the end (truncated?)`);
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      if (shift > 63n) throw new WeightsFormatError(`${what}: protobuf varint is too long (corrupt file)`);
    }
  };
  const take = (n: number) => {
    if (p + n > buf.byteLength) throw new WeightsFormatError(`${what}: a protobuf field of ${n} bytes runs past the end (truncated?)`);
    p += n;
    return buf.subarray(p - n, p);
  };
  while (p < buf.byteLength) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) out.push({ field, wire, varint: varint() });
    else if (wire === 1) out.push({ field, wire, bytes: take(8) });
    else if (wire === 2) out.push({ field, wire, bytes: take(Number(varint())) });
    else if (wire === 5) out.push({ field, wire, bytes: take(4) });
    else throw new WeightsFormatError(`${what}: unsupported protobuf wire type ${wire} (not an ONNX file?)`);
  }
  return out;
}

/** A repeated integer field, packed (wire 2) or not. */
export function readVarints(fields: ProtoField[], field: number, what: string): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0) out.push(f.varint!);
    else if (f.wire === 2) out.push(...readFields(packedAsFields(f.bytes!), what).map((x) => x.varint!));
  }
  return out;
}

/** Re-keys packed varints as field-1 varints so `readFields` can split them. */
function packedAsFields(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = 0;
  for (let i = 0; i < bytes.byteLength; i++) {
    if (!(bytes[i] & 0x80)) {
      out.push(0x08, ...bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  return Uint8Array.from(out);
}
