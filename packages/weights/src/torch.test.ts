import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTorch } from './torch';
import { readWeightsFile } from './read-weights';
import { readSafetensors } from './safetensors';
import { toFloat32 } from './tensor-map';

const fixtures = join(__dirname, '__fixtures__');
const expected = JSON.parse(readFileSync(join(fixtures, 'tiny.expected.json'), 'utf8')) as Record<string, { shape: number[]; dtype: string; values: number[] }>;

describe('readTorch (torch.save zip + allow-list unpickler)', () => {
  it('reads every tensor of a state_dict with its shape, dtype and values (strided views, F16, BF16, I64, Parameters)', () => {
    const map = readWeightsFile(join(fixtures, 'tiny.pth'));
    expect([...map.keys()]).toEqual(Object.keys(expected));
    for (const [name, want] of Object.entries(expected)) {
      const t = map.get(name)!;
      expect(t.shape, name).toEqual(want.shape);
      expect(t.dtype, name).toBe(want.dtype);
      const got = t.dtype === 'I64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(toFloat32(t));
      expect(got.length, name).toBe(want.values.length);
      got.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(want.values[i], 6));
    }
    expect(Array.from(map.get('transposed')!.data as Float32Array)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(map.get('bn.num_batches_tracked')!.dtype).toBe('I64');
  });

  it('gives the same tensors as the safetensors copy', () => {
    const pth = readWeightsFile(join(fixtures, 'tiny.pth'));
    const st = readSafetensors(readFileSync(join(fixtures, 'tiny.safetensors')), 'tiny.safetensors');
    expect(st.metadata).toEqual({ format: 'pt' });
    for (const [name, t] of pth) expect(Array.from(toFloat32(st.tensors.get(name)!)), name).toEqual(Array.from(toFloat32(t)));
  });

  it('refuses a global outside the allow-list by name, running nothing', () => {
    expect(() => readWeightsFile(join(fixtures, 'evil.pth'))).toThrow(/evil\.pth.*refusing to load global '__builtin__\.print'/);
  });

  it('refuses the legacy (non-zip) format with what to do', () => {
    expect(() => readWeightsFile(join(fixtures, 'legacy.pth'))).toThrow(/legacy\.pth: this is torch's legacy \(pre-1\.6, non-zip\) serialization.*re-save/);
  });

  it('names the file when the zip is truncated or not a torch file', () => {
    const bytes = readFileSync(join(fixtures, 'tiny.pth'));
    expect(() => readTorch(bytes.subarray(0, bytes.length - 30), 'cut.pth')).toThrow(/cut\.pth: no zip end-of-central-directory/);
    expect(() => readTorch(new TextEncoder().encode('hello'), 'text.pth')).toThrow(/text\.pth: not a torch\.save zip archive/);
    expect(() => readTorch(new TextEncoder().encode('KILNCKPT\x01\x00\x00\x00'), 'best.ckpt')).toThrow(/best\.ckpt: this is a Kiln checkpoint/);
    // Corrupt one storage's size claim: flip bytes in the middle of the archive's data region.
    const damaged = Uint8Array.from(bytes);
    damaged.fill(0xff, 60, 120);
    expect(() => readTorch(damaged, 'damaged.pth')).toThrow(/damaged\.pth/);
  });
});
