import * as tf from '@tensorflow/tfjs';
import { isKernelTimingBackend } from '@kiln/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeReady } from './__fixtures__/setup.js';

describe.skipIf(!nativeReady)('kernel timing (trainer.profiler: advanced)', () => {
  afterEach(() => {
    const b = tf.findBackend('native');
    if (isKernelTimingBackend(b)) {
      b.setKernelTiming(false);
      b.resetKernelTimes();
    }
  });

  it('times native and JS kernels only while on, and resets', async () => {
    await tf.setBackend('native');
    const backend = tf.backend();
    expect(isKernelTimingBackend(backend)).toBe(true);
    if (!isKernelTimingBackend(backend)) return;
    const a = tf.randomNormal([64, 256]);
    const b = tf.randomNormal([256, 128]);
    backend.resetKernelTimes();
    tf.matMul(a, b).dispose(); // off: not recorded
    expect(backend.kernelTimes()).toEqual({});
    backend.setKernelTiming(true);
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.matMul(a, b).relu());
    const times = backend.kernelTimes();
    expect(times.BatchMatMul.calls).toBe(3);
    expect(times.BatchMatMul.ms).toBeGreaterThan(0);
    expect(times.Relu.calls).toBe(3);
    backend.resetKernelTimes();
    expect(backend.kernelTimes()).toEqual({});
    tf.dispose([a, b]);
  });
});
