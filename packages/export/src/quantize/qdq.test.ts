import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { foldBatchNorm } from './fold-batchnorm';
import { floatTensor, floatValues } from './onnx-tensors';
import { activationParams, quantizePerChannel, quantizeGraph } from './qdq';

describe('QDQ pieces', () => {
  it('per-channel scales follow the axis (Conv axis 0, MatMul axis 1)', () => {
    const w = Float32Array.from([1, -2, 0.5, 4, 0, 0]); // [3, 2]
    const a1 = quantizePerChannel(w, [3, 2], 1);
    expect(Array.from(a1.scale)).toEqual([1 / 127, 4 / 127].map(Math.fround));
    expect(Array.from(a1.q)).toEqual([127, -64, 64, 127, 0, 0]);
    const a0 = quantizePerChannel(w, [3, 2], 0, 63);
    expect(Array.from(a0.scale)).toEqual([2 / 63, 4 / 63, 1].map(Math.fround)); // an all-zero row keeps scale 1
    expect(Array.from(a0.q)).toEqual([31, -63, 8, 63, 0, 0]); // 1 / fround(2/63) = 31.49…
  });

  it('activation ranges always hold 0 exactly', () => {
    const p = activationParams({ min: 0.5, max: 6 });
    expect(p.zeroPoint).toBe(-128);
    const n = activationParams({ min: -1, max: 3 });
    expect(-128 + Math.round(1 / n.scale)).toBe(n.zeroPoint);
  });

  it('folds Conv → Mul → Add into the conv weights and bias', () => {
    const graph: onnx.IGraphProto = {
      node: [
        { opType: 'Conv', name: 'c', input: ['x', 'W', 'B'], output: ['c'] },
        { opType: 'Mul', name: 'm', input: ['c', 's'], output: ['m'] },
        { opType: 'Add', name: 'a', input: ['m', 't'], output: ['y'] },
      ],
      initializer: [floatTensor('W', Float32Array.from([1, 2, 3, 4]), [2, 2, 1, 1]), floatTensor('B', Float32Array.from([1, -1]), [2]), floatTensor('s', Float32Array.from([2, 3]), [2, 1, 1]), floatTensor('t', Float32Array.from([0.5, 1]), [2, 1, 1])],
      input: [{ name: 'x' }],
      output: [{ name: 'y' }],
    };
    expect(foldBatchNorm(graph)).toEqual(['c']);
    expect(graph.node!.map((n) => n.opType)).toEqual(['Conv']);
    expect(graph.node![0].output).toEqual(['y']);
    const init = new Map(graph.initializer!.map((t) => [t.name, floatValues(t)]));
    expect(Array.from(init.get(graph.node![0].input![1])!)).toEqual([2, 4, 9, 12]);
    expect(Array.from(init.get(graph.node![0].input![2])!)).toEqual([2.5, -2]);
    expect(graph.initializer!.map((t) => t.name).sort()).toEqual(['c_B_folded', 'c_W_folded']);
  });

  it('static int8 needs a range for every quantized input, naming the node', () => {
    const graph: onnx.IGraphProto = { node: [{ opType: 'MatMul', name: 'fc', input: ['x', 'W'], output: ['y'] }], initializer: [floatTensor('W', Float32Array.from([1, 2]), [1, 2])], input: [{ name: 'x' }], output: [{ name: 'y' }] };
    expect(() => quantizeGraph(graph, 'int8', new Map())).toThrow("no calibration range for 'x', the input of node 'fc' (MatMul)");
    const ok = quantizeGraph(graph, 'int8', new Map([['x', { min: -1, max: 1 }]]));
    expect(ok).toEqual({ quantized: ['fc'], activations: ['x'] });
    expect(graph.node!.map((n) => n.opType)).toEqual(['DequantizeLinear', 'QuantizeLinear', 'DequantizeLinear', 'MatMul']);
    expect(graph.initializer!.find((t) => t.name === 'W')).toBeUndefined();
  });
});
