import { describe, expect, it } from 'vitest';
import { convertLayout, convertedShape } from './layout';
import { assertMatched, matchTensors } from './match';
import type { TensorMap } from './tensor-map';

describe('layout conversion', () => {
  it('moves OIHW conv kernels to HWIO, [C,1,H,W] depthwise to [H,W,C,1], dense [out,in] to [in,out]', () => {
    // conv [O=2, I=1, H=1, W=2]: element (o, i, h, w) = 10·o + w
    const conv = Float32Array.of(0, 1, 10, 11);
    expect(convertedShape([2, 1, 1, 2], 'conv')).toEqual([1, 2, 1, 2]);
    expect(Array.from(convertLayout(conv, [2, 1, 1, 2], 'conv'))).toEqual([0, 10, 1, 11]);
    expect(convertedShape([3, 1, 1, 1], 'depthwise')).toEqual([1, 1, 3, 1]);
    expect(Array.from(convertLayout(Float32Array.of(1, 2, 3, 4), [2, 1, 1, 2], 'depthwise'))).toEqual([1, 3, 2, 4]);
    expect(Array.from(convertLayout(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3], 'dense'))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(convertedShape([2, 3], 'conv')).toBeUndefined();
  });
});

describe('matchTensors', () => {
  it('lists every missing, unexpected and misshaped key', () => {
    const tensors: TensorMap = new Map([
      ['fc.weight', { shape: [3, 2], dtype: 'F32', data: new Float32Array(6) }],
      ['fc.bias', { shape: [4], dtype: 'F32', data: new Float32Array(4) }],
      ['extra', { shape: [1], dtype: 'F32', data: new Float32Array(1) }],
      ['bn.num_batches_tracked', { shape: [], dtype: 'I64', data: new BigInt64Array(1) }],
    ]);
    const r = matchTensors(
      [{ name: 'fc/kernel', shape: [2, 3] }, { name: 'fc/bias', shape: [3] }, { name: 'other/kernel', shape: [1] }],
      tensors,
      (t) => (t === 'fc/kernel' ? { key: 'fc.weight', layout: 'dense' } : t === 'fc/bias' ? { key: 'fc.bias', layout: 'same' } : { key: 'other.weight', layout: 'same' }),
      (k) => k.endsWith('num_batches_tracked'),
    );
    expect([...r.values.keys()]).toEqual(['fc/kernel']);
    expect(r.missing).toEqual(['other.weight (for other/kernel)']);
    expect(r.unexpected).toEqual(['extra']);
    expect(r.misshaped).toEqual(['fc.bias: file [4] → model fc/bias [3]']);
    expect(() => assertMatched(r, 'w.pth')).toThrow(/w\.pth does not fit the model: missing key\(s\) 1: other\.weight.*unexpected key\(s\) 1: extra.*size mismatch 1: fc\.bias/);
  });
});
