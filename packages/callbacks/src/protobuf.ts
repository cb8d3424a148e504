/**
 * The few protobuf wire-format pieces TensorBoard event files need (varint, 64-bit, 32-bit and
 * length-delimited fields). Encoding only; see `event-file.ts` for the reader used in tests.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.size += bytes.length;
    return this;
  }

  private tag(field: number, wire: number): this {
    return this.varint(BigInt((field << 3) | wire));
  }

  /** Unsigned varint; negative int64 values use their two's complement (10 bytes), like protobuf. */
  varint(value: bigint): this {
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return this.push(Uint8Array.from(out));
  }

  int64(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).varint(BigInt(value));
  }

  double(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return this.tag(field, WIRE_FIXED64).push(b);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, WIRE_FIXED32).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, WIRE_BYTES).varint(BigInt(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
