import { describe, expect, it } from 'vitest';
import { encodeSafetensors, readSafetensors } from './safetensors';
import { halfToFloat } from './dtypes';
import type { TensorMap } from './tensor-map';

const header = (obj: unknown, data = new Uint8Array(0)) => {
  const h = new TextEncoder().encode(JSON.stringify(obj));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
};

describe('readSafetensors', () => {
  it('round-trips what encodeSafetensors writes (data 8-byte aligned)', () => {
    const map: TensorMap = new Map([
      ['a', { shape: [2, 2], dtype: 'F32', data: Float32Array.of(1, 2, 3, 4) }],
      ['b', { shape: [3], dtype: 'I64', data: BigInt64Array.of(1n, -1n, 5n) }],
    ]);
    const bytes = encodeSafetensors(map, { note: 'x' });
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
    const back = readSafetensors(bytes, 'x.safetensors');
    expect(back.metadata).toEqual({ note: 'x' });
    expect(Array.from(back.tensors.get('a')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(back.tensors.get('b')!.data as BigInt64Array)).toEqual([1n, -1n, 5n]);
  });

  it('decodes F16 and BF16 exactly', () => {
    const f16 = new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x0001, 0x7c00).buffer);
    const t = readSafetensors(header({ h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, f16)).tensors.get('h')!;
    expect(Array.from(t.data as Float32Array)).toEqual([1, -2, 2 ** -24, Infinity]);
    const bf = new Uint8Array(Uint16Array.of(0x3f80, 0xc040).buffer);
    expect(Array.from(readSafetensors(header({ b: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, bf)).tensors.get('b')!.data as Float32Array)).toEqual([1, -3]);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('checks the header against the file, naming the file and the tensor', () => {
    const four = new Uint8Array(4);
    expect(() => readSafetensors(new Uint8Array(3), 'f.st')).toThrow(/f\.st: 3 bytes is too short/);
    const bad = header({}, four);
    new DataView(bad.buffer).setBigUint64(0, 10_000n, true);
    expect(() => readSafetensors(bad, 'f.st')).toThrow(/f\.st: header length 10000 does not fit the file's/);
    expect(() => readSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, four), 'f.st')).toThrow(/'a': data_offsets \[0, 8\] run past the 4 data bytes/);
    expect(() => readSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, four), 'f.st')).toThrow(/F32\[2\] needs 8 bytes, data_offsets give 4/);
    expect(() => readSafetensors(header({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, four), 'f.st')).toThrow(/unsupported dtype "Q4"/);
    expect(() => readSafetensors(header({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, four), 'f.st')).toThrow(/overlaps/);
    expect(() => readSafetensors(header({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, four), 'f.st')).toThrow(/2 bytes after the last tensor/);
    const notJson = header({});
    notJson[8] = 0x7b;
    notJson.set(new TextEncoder().encode('{'), 9);
    expect(() => readSafetensors(notJson, 'f.st')).toThrow(/f\.st: the header is not valid UTF-8 JSON/);
  });
});
