import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOnnxInitializers } from './onnx';
import { toFloat32 } from './tensor-map';

const fixtures = join(__dirname, '__fixtures__');

describe('readOnnxInitializers', () => {
  it('reads the initializers torch.onnx.export wrote, with names, shapes and values', () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'tiny.onnx.expected.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
    const map = readOnnxInitializers(readFileSync(join(fixtures, 'tiny.onnx')), 'tiny.onnx');
    expect([...map.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, want] of Object.entries(expected)) {
      expect(map.get(name)!.shape).toEqual(want.shape);
      Array.from(toFloat32(map.get(name)!)).forEach((v, i) => expect(v).toBeCloseTo(want.values[i], 6));
    }
  });

  it('names the file when the protobuf is truncated or not a model', () => {
    const bytes = readFileSync(join(fixtures, 'tiny.onnx'));
    expect(() => readOnnxInitializers(bytes.subarray(0, bytes.length - 40), 'cut.onnx')).toThrow(/cut\.onnx.*(truncated|runs past)/);
    expect(() => readOnnxInitializers(Uint8Array.of(0x08, 0x01), 'x.onnx')).toThrow(/x\.onnx: no graph/);
  });
});
