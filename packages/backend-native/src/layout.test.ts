import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats, resetNativeKernelStats } from './kernel-util.js';

const f = (t: tf.Tensor) => tf.cast(t, 'float32');

describe.skipIf(!nativeReady)('layout kernels (native vs cpu)', () => {
  it('transpose: every perm of a rank-4 tensor, rank 2/3, int32 and bool', async () => {
    const perms = [[0, 1, 2, 3], [3, 2, 1, 0], [0, 2, 1, 3], [0, 2, 3, 1], [1, 0, 3, 2], [2, 0, 1, 3]];
    for (const perm of perms) await expectSame([{ shape: [3, 4, 5, 6] }], withGrads((x) => tf.transpose(x, perm)));
    await expectSame([{ shape: [7, 9] }], (x) => tf.transpose(x));
    await expectSame([{ shape: [2, 64, 3] }], (x) => tf.transpose(x, [1, 0, 2]));
    await expectSame([{ shape: [5, 6] }], (x) => f(tf.transpose(tf.cast(tf.mul(x, 10), 'int32'))));
    await expectSame([{ shape: [5, 6] }], (x) => f(tf.transpose(tf.greater(x, 0))));
  });

  it('slice (contiguous and strided windows) and splitV with gradients', async () => {
    await expectSame([{ shape: [6, 8, 10] }], withGrads((x) => tf.slice(x, [1, 2, 3], [4, 5, 6])));
    await expectSame([{ shape: [6, 8, 10] }], withGrads((x) => tf.slice(x, [2, 0, 0], [3, 8, 10])));
    await expectSame([{ shape: [6, 8, 10] }], withGrads((x) => tf.slice(x, [0, 0, 9], [6, 8, 1])));
    await expectSame([{ shape: [4, 12, 9] }], withGrads((x) => tf.split(x, [3, 5, 4], 1)[1]));
    await expectSame([{ shape: [4, 12, 9] }], (x) => tf.split(x, 3, 2));
    await expectSame([{ shape: [4, 12, 9] }], (x) => tf.split(x, 2, 0));
  });

  it('concat along every axis (mixed sizes, empty parts) with gradients', async () => {
    for (const axis of [0, 1, 2, -1]) {
      await expectSame([{ shape: [2, 3, 4] }, { shape: [2, 3, 4] }, { shape: [2, 3, 4] }],
        withGrads((a, b, c) => tf.concat([a, tf.mul(b, 2), c], axis)));
    }
    await expectSame([{ shape: [2, 3] }, { shape: [2, 5] }, { shape: [2, 0] }], (a, b, c) => tf.concat([a, b, c], 1));
  });

  it('pad, tile (float, int32, bool), oneHot', async () => {
    await expectSame([{ shape: [3, 4, 5] }], withGrads((x) => tf.pad(x, [[1, 2], [0, 0], [3, 1]], 0.5)));
    await expectSame([{ shape: [2, 3] }], (x) => f(tf.tile(tf.cast(tf.mul(x, 9), 'int32'), [2, 3])));
    await expectSame([{ shape: [2, 3] }], (x) => f(tf.tile(tf.less(x, 0), [3, 1])));
    await expectSame([{ shape: [4, 1, 6] }], withGrads((x) => tf.tile(x, [2, 5, 3])));
    await expectSame([{ shape: [1] }], () => [f(tf.oneHot(tf.tensor1d([0, 3, -1, 7, 2], 'int32'), 5)), tf.oneHot(tf.tensor1d([1, 0], 'int32'), 3, 2, -1)]);
  });

  it('cast, zerosLike/onesLike/fill, select, comparisons and logical ops', async () => {
    const shapes = [{ shape: [4, 5, 6] }, { shape: [5, 6] }];
    await expectSame(shapes, (a) => [f(tf.cast(tf.mul(a, 7.9), 'int32')), f(tf.cast(a, 'bool')), tf.cast(tf.cast(tf.mul(a, 3), 'int32'), 'float32')]);
    await expectSame(shapes, (a) => [tf.zerosLike(a), tf.onesLike(a), tf.fill([3, 4], 2.5), f(tf.zerosLike(tf.cast(a, 'int32')))]);
    const cmps = [tf.equal, tf.notEqual, tf.greater, tf.greaterEqual, tf.less, tf.lessEqual];
    await expectSame(shapes, (a, b) => cmps.map((op) => f(op(tf.round(a), tf.round(b)))));
    await expectSame(shapes, (a, b) => f(tf.greater(tf.cast(tf.mul(a, 3), 'int32'), tf.cast(tf.mul(b, 3), 'int32'))));
    await expectSame(shapes, (a, b) => [f(tf.logicalAnd(tf.greater(a, 0), tf.less(b, 0.5))), f(tf.logicalOr(tf.greater(a, 0), tf.less(b, 0)))]);
    await expectSame([{ shape: [4, 5, 6] }, { shape: [4, 5, 6] }], (a, b) => {
      const c = tf.greater(a, b);
      return [tf.where(c, a, b), ...tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.where(c, x, y), x)))([a, b])];
    });
  });

  it('ran natively', async () => {
    resetNativeKernelStats();
    await tf.setBackend('native');
    tf.tidy(() => {
      const x = tf.randomNormal([4, 6, 8]);
      tf.transpose(x, [2, 0, 1]); tf.slice(x, [0, 1, 0], [4, 2, 8]); tf.concat([x, x], 1); tf.split(x, 2, 2);
      tf.pad(x, [[0, 1], [0, 0], [0, 0]]); tf.where(tf.greater(x, 0), x, tf.zerosLike(x)); tf.cast(x, 'int32');
    });
    const s = nativeKernelStats();
    for (const k of ['Transpose', 'Slice', 'Concat', 'SplitV', 'PadV2', 'Select', 'Greater', 'ZerosLike', 'Cast']) {
      expect(s[k]?.native ?? 0, k).toBeGreaterThan(0);
      expect(s[k]?.fallback ?? 0, k).toBe(0);
    }
  });
});
