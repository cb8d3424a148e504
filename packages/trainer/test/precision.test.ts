import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { isNativeAvailable, registerNativeBackend } from '@kiln/backend-native';
import { isPrecisionBackend, type PrecisionBackend } from '@kiln/contracts';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint';
import { Adam } from '../src/optimizers/adam';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule } from './fake-data';
import { expectSameWeights, removeTempDirs, SaveLast, tempDir, weightsOf } from './helpers';

// Mixed precision needs the native backend's lower-precision kernels; without the addon this suite
// has nothing to run (backend-native's ci-guard test fails CI when the addon is missing).
const native = isNativeAvailable() && registerNativeBackend({ priority: 0 });
const backend = () => tf.backend() as unknown as PrecisionBackend;
let bf16 = false;

beforeAll(async () => {
  if (!native) return;
  await tf.setBackend('native');
  bf16 = isPrecisionBackend(tf.backend()) && backend().computePrecision().bf16;
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

/** conv → relu → flatten → dense: both kinds of kernel that run in lower precision. */
function convModel(seed = 3) {
  seedEverything(seed);
  const net = tf.sequential();
  net.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  net.add(tf.layers.flatten());
  net.add(tf.layers.dense({ units: 3 }));
  return { net, summary: () => 'conv' };
}

function gradients(net: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D): Map<string, Float32Array> {
  const { grads, value } = tf.variableGrads(() => crossEntropy.compute(net.apply(x) as tf.Tensor2D, y));
  value.dispose();
  const out = new Map<string, Float32Array>();
  for (const [k, g] of Object.entries(grads)) out.set(k, g.dataSync() as Float32Array), g.dispose();
  return out;
}

const relErr = (a: Float32Array, b: Float32Array) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) (num += (a[i] - b[i]) ** 2), (den += b[i] ** 2);
  return Math.sqrt(num / Math.max(den, 1e-30));
};

describe.runIf(native)('trainer.precision on the native backend', () => {
  // PyTorch's CPU bf16 autocast moves the same net's gradients by 3.4–6.8% (conv weight) and 0.45% (dense weight)
  // relative L2 (test/bf16_grad_torch.py): the first conv's dW sums 16·64 products of bf16-rounded values.
  it('bf16 gradients of a conv + dense net agree with fp32 as closely as PyTorch bf16 autocast (conv 8e-2, others 1e-2)', () => {
    const { net } = convModel();
    const x = tf.randomNormal([16, 8, 8, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    // One class for all rows: coherent gradients (random labels cancel, and relative error then measures the cancellation).
    const y = tf.tensor1d(new Array(16).fill(0), 'int32');
    const fp32 = gradients(net, x, y);
    // Emulated bf16 where the CPU has no bf16 instructions: the same bf16-rounded inputs.
    backend().setComputePrecision('bf16', !bf16);
    let low: Map<string, Float32Array>;
    try {
      low = gradients(net, x, y);
    } finally {
      backend().setComputePrecision('fp32', false);
    }
    let differs = false;
    for (const [k, g] of fp32) {
      const e = relErr(low.get(k)!, g);
      expect(e, k).toBeLessThan(k.includes('conv2d') && k.endsWith('kernel') ? 8e-2 : 1e-2);
      if (e > 0) differs = true;
    }
    expect(differs).toBe(true);
    tf.dispose([x, y]);
  });

  it('a bf16-mixed fit learns (emulated without bf16 instructions), and the backend is fp32 again afterwards', async () => {
    if (!bf16) process.env.KILN_PRECISION_EMULATE = '1';
    const model = convModel();
    const data = new FakeDataModule({ inputShape: [8, 8, 3], trainSize: 96, valSize: 48 });
    const result = await new Trainer({ maxEpochs: 3, precision: 'bf16' }).fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.01 }), data });
    delete process.env.KILN_PRECISION_EMULATE;
    expect(result.metrics['val/accuracy']).toBeGreaterThan(0.9);
    expect(backend().computePrecision().type).toBe('fp32');
  });

  it('bf16-mixed with accumulation, norm clipping and EMA: learns, fp32 weights and EMA in the checkpoint, which predicts the same in fp32', async () => {
    if (!bf16) process.env.KILN_PRECISION_EMULATE = '1';
    const model = convModel(5);
    const data = new FakeDataModule({ inputShape: [8, 8, 3], trainSize: 96, valSize: 48 });
    const runDir = tempDir();
    const trainer = new Trainer({ maxEpochs: 4, precision: 'bf16-mixed', accumulateGradBatches: 2, gradientClipNorm: 1, ema: { decay: 0.5 } }, { runDir });
    const result = await trainer.fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.02 }), data, callbacks: { save: new SaveLast() } });
    delete process.env.KILN_PRECISION_EMULATE;
    expect(result.metrics['val/accuracy']).toBeGreaterThan(0.8);
    expect(backend().computePrecision().type).toBe('fp32');
    const ckpt = await loadCheckpoint(join(runDir, 'checkpoints', 'last.ckpt'));
    expect(ckpt.ema?.decay).toBe(0.5);
    expect(ckpt.ema?.weights.length).toBe(model.net.getWeights().length);
    for (const w of [...ckpt.weights.map((n) => n.data), ...ckpt.ema!.weights]) {
      expect(w).toBeInstanceOf(Float32Array);
      expect(w.every(Number.isFinite)).toBe(true);
    }
    // The restored fp32 net gives what the trained one gives now that the backend is fp32 again.
    const restored = convModel(99);
    restored.net.setWeights(ckpt.weights.map((w, i) => tf.tensor(w.data, model.net.getWeights()[i].shape)));
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 7);
    const a = (model.net.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const b = (restored.net.predict(x) as tf.Tensor).dataSync() as Float32Array;
    expect(relErr(b, a)).toBeLessThan(1e-6);
  });

  it('the backend is fp32 again after a fit that throws', async () => {
    const model = convModel();
    const data = new FakeDataModule({ inputShape: [8, 8, 3] });
    const failing = { compute: () => { throw new Error('loss exploded on purpose'); } };
    await expect(new Trainer({ maxEpochs: 1, precision: '16-mixed' }).fit({ model, loss: failing, optimizer: new Adam(), data })).rejects.toThrow(/on purpose/);
    expect(backend().computePrecision().type).toBe('fp32');
  });

  it('16-mixed: inf gradients skip the optimizer step and halve the loss scale; weights untouched', async () => {
    const model = convModel();
    const data = new FakeDataModule({ inputShape: [8, 8, 3], trainSize: 32, valSize: 8 });
    // A finite loss whose gradient is inf: what an fp16 overflow looks like to the scaler.
    const overflow = {
      compute: (logits: tf.Tensor2D) => tf.customGrad((l: tf.Tensor) => ({ value: l.mean() as tf.Scalar, gradFunc: (dy: tf.Tensor) => tf.fill(l.shape, Infinity).mul(dy) }))(logits) as tf.Scalar,
    };
    const before = weightsOf(model.net);
    const result = await new Trainer({ maxEpochs: 1, precision: '16-mixed' }).fit({ model, loss: overflow, optimizer: new Adam({ lr: 0.1 }), data });
    expect(result.globalStep).toBe(4);
    expect(result.metrics['train/loss_scale']).toBe(2 ** 16 / 2 ** 4);
    expectSameWeights(weightsOf(model.net), before, 0);
  });

  it('16-mixed: the loss scale is in the checkpoint and a resumed run equals an uninterrupted one', async () => {
    const fit = async (maxEpochs: number, runDir: string, resume: string | null = null) => {
      const model = convModel(11);
      const data = new FakeDataModule({ inputShape: [8, 8, 3], trainSize: 48, valSize: 16 });
      const trainer = new Trainer({ maxEpochs, resume, precision: '16-mixed', lossScaleGrowthInterval: 4 }, { runDir });
      const result = await trainer.fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.01 }), data, callbacks: { save: new SaveLast() } });
      return { model, result };
    };
    const full = await fit(3, tempDir());
    const dir = tempDir();
    await fit(1, dir);
    const ckpt = await loadCheckpoint(join(dir, 'checkpoints', 'last.ckpt'));
    // 6 clean steps with growth every 4: one doubling
    expect((ckpt.trainState as { gradScaler?: unknown }).gradScaler).toEqual({ scale: 2 ** 17, growthTracker: 2 });
    const resumed = await fit(3, dir, join(dir, 'checkpoints', 'last.ckpt'));
    expect(resumed.result.globalStep).toBe(full.result.globalStep);
    expect(resumed.result.metrics['train/loss_scale']).toBe(full.result.metrics['train/loss_scale']);
    expectSameWeights(weightsOf(resumed.model.net), weightsOf(full.model.net), 1e-6);
  });
});
