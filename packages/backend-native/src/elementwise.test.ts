import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, rand, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats } from './kernel-util.js';

const big = [8, 16, 16, 8]; // 16384 elements: above the native threshold
const positive = (n: number, seed: number) => rand(n, seed).map((v) => Math.abs(v) + 0.1);

describe.skipIf(!nativeReady)('elementwise and reductions (native vs cpu)', () => {
  // tfjs lacks broadcast gradients for maximum/minimum/squaredDifference.
  const binaries: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, boolean][] = [
    ['add', tf.add, true], ['sub', tf.sub, true], ['mul', tf.mul, true], ['div', tf.div, true],
    ['maximum', tf.maximum, false], ['minimum', tf.minimum, false], ['squaredDifference', tf.squaredDifference, false],
  ];
  for (const [name, op, bcastGrad] of binaries) {
    it(`${name}: same shape, bias broadcast, scalar, small`, async () => {
      const n = 8 * 16 * 16 * 8;
      await expectSame([{ shape: big }, { shape: big, data: positive(n, 3) }], withGrads(op));
      await expectSame([{ shape: big }, { shape: [8], data: positive(8, 4) }], bcastGrad ? withGrads(op) : op);
      await expectSame([{ shape: [16, 8], data: positive(128, 4) }, { shape: big }], (a, b) => op(a, b));
      await expectSame([{ shape: big }, { shape: [], data: Float32Array.of(1.5) }], (a, b) => op(a, b));
      await expectSame([{ shape: [4, 1, 8] }, { shape: [1, 5, 8] }], (a, b) => op(a, b));
    });
  }

  const unaries: [string, (x: tf.Tensor) => tf.Tensor, boolean][] = [
    ['relu', tf.relu, false], ['relu6', (x) => tf.relu6(tf.mul(x, 8)), false], ['leakyRelu', (x) => tf.leakyRelu(x, 0.1), false],
    ['sigmoid', tf.sigmoid, false], ['elu', tf.elu, false], ['step', (x) => tf.step(x, 0.3), false],
    ['square', tf.square, false], ['sqrt', tf.sqrt, true], ['neg', tf.neg, false], ['exp', tf.exp, false],
    ['abs', tf.abs, false], ['rsqrt', tf.rsqrt, true], ['log', tf.log, true],
  ];
  for (const [name, op, pos] of unaries) {
    it(`${name} with gradient`, async () => {
      const data = pos ? positive(8 * 16 * 16 * 8, 9) : undefined;
      await expectSame([{ shape: big, data }], withGrads(op));
    });
  }

  for (const [name, op] of [['sum', tf.sum], ['max', tf.max], ['min', tf.min], ['mean', tf.mean]] as const) {
    it(`${name} over leading, trailing, middle and all axes`, async () => {
      for (const axis of [[0, 1, 2], [3], [1, 2], [0], undefined, [0, 2]]) {
        for (const keepDims of [false, true]) {
          await expectSame([{ shape: big }], (x) => op(x, axis, keepDims), 2e-5);
        }
      }
    });
  }

  it('ran natively', () => {
    const s = nativeKernelStats();
    for (const k of ['Add', 'Sub', 'Multiply', 'RealDiv', 'Relu', 'Step', 'Sum', 'Max', 'Mean', 'Sqrt', 'SquaredDifference']) {
      expect(s[k]?.native ?? 0).toBeGreaterThan(0);
    }
  });
});
