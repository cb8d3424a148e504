import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { nativeReady } from './__fixtures__/setup.js';
import { isNativeAvailable, nativeInfo } from './info.js';
import { registerNativeBackend } from './register-backend.js';
import type { NativeBackend } from './backend.js';
import { poolLimitBytes } from './buffer-pool.js';
import { nativeKernelNames } from './kernel-table.js';

describe('native backend registration', () => {
  it('nativeInfo reports availability consistently', () => {
    const info = nativeInfo();
    expect(info.available).toBe(isNativeAvailable());
    if (!info.available) expect(info.error).toBeTruthy();
  });
});

describe('buffer pool bound', () => {
  it('defaults to a quarter of memory within [512 MB, 8 GB]; KILN_NATIVE_POOL_MB overrides', () => {
    const prev = process.env.KILN_NATIVE_POOL_MB;
    delete process.env.KILN_NATIVE_POOL_MB;
    expect(poolLimitBytes(24 * 1024 ** 3)).toBe(6 * 1024 ** 3);
    expect(poolLimitBytes(1024 ** 3)).toBe(512 * 1024 ** 2);
    expect(poolLimitBytes(256 * 1024 ** 3)).toBe(8 * 1024 ** 3);
    process.env.KILN_NATIVE_POOL_MB = '0';
    expect(poolLimitBytes()).toBe(0);
    if (prev === undefined) delete process.env.KILN_NATIVE_POOL_MB;
    else process.env.KILN_NATIVE_POOL_MB = prev;
  });
});

describe.skipIf(!nativeReady)('native backend (addon built)', () => {
  it('registers every cpu kernel for native', () => {
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);
    const native = new Set(tf.getKernelsForBackend('native').map((k) => k.kernelName));
    expect(cpu.filter((k) => !native.has(k))).toEqual([]);
    for (const k of nativeKernelNames()) expect(native.has(k)).toBe(true);
  });

  it('is idempotent and selectable', async () => {
    expect(registerNativeBackend()).toBe(true);
    expect(await tf.setBackend('native')).toBe(true);
    expect(tf.getBackend()).toBe('native');
    const info = nativeInfo();
    expect(info.threads).toBeGreaterThan(0);
    expect(info.library).toMatch(/oneDNN/);
  });

  it('does not leak tensors or backend data across a training step', async () => {
    await tf.setBackend('native');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    const opt = tf.train.adam(1e-3);
    const x = tf.randomNormal([4, 12, 12, 2]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const step = () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, false);
    step();
    const before = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(dataIds);
    // The pool recycles the same sizes every step: it does not grow from step to step.
    const pooled = (tf.backend() as NativeBackend).pool.bytes;
    for (let i = 0; i < 3; i++) step();
    expect((tf.backend() as NativeBackend).pool.bytes).toBe(pooled);
  });
});
