import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ProtoWriter', () => {
  it('encodes varints like protobuf (1 → 01, 300 → ac02, -1 → 10 bytes)', () => {
    expect(hex(new ProtoWriter().varint(1n).finish())).toBe('01');
    expect(hex(new ProtoWriter().varint(300n).finish())).toBe('ac02');
    expect(hex(new ProtoWriter().varint(-1n).finish())).toBe('ffffffffffffffffff01');
  });

  it('encodes fields with their wire types', () => {
    // field 1 double 1.5: tag 09, then 1.5 as little-endian IEEE 754.
    expect(hex(new ProtoWriter().double(1, 1.5).finish())).toBe('09000000000000f83f');
    // field 2 int64 150: tag 10, varint 96 01 (the protobuf docs' example value).
    expect(hex(new ProtoWriter().int64(2, 150).finish())).toBe('109601');
    // field 2 float 1.0: tag 15, 0000803f.
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('150000803f');
    // field 1 string "testing": tag 0a, length 07 (the protobuf docs' example).
    expect(hex(new ProtoWriter().string(1, 'testing').finish())).toBe('0a0774657374696e67');
    // nested message in field 5: tag 2a, length, inner bytes.
    expect(hex(new ProtoWriter().message(5, new ProtoWriter().int64(1, 1)).finish())).toBe('2a020801');
  });
});
