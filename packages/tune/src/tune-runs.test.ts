import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from '@kiln/losses';
import { createRegistries } from '@kiln/core';
import { register as registerAugmentation } from '@kiln/augmentation';
import { register as registerCallbacks } from '@kiln/callbacks';
import { register as registerData } from '@kiln/data';
import { register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { register as registerModels } from '@kiln/models';
import { register as registerProcessors } from '@kiln/processors';
import { register as registerTrainer } from '@kiln/trainer';
import { searchBatchSize } from './batch-size-search';
import { tryBatchSize } from './batch-size-trial';
import { findLr } from './lr-finder';
import { lrPlotPng } from './lr-plot';
import { buildTuneParts } from './tune-parts';
import { BlobsData, blobsConfig } from './__fixtures__/blobs';

let peak = 0;

/** Cross-entropy that records the live bytes at each call (the point the simulated cap checks). */
class PeakProbe {
  static readonly type = 'peak_probe';
  private readonly inner = new CrossEntropyLoss({});
  compute(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
    peak = Math.max(peak, tf.memory().numBytes);
    return this.inner.compute(logits, targets);
  }
}

/** Fails like the native backend's allocator (`std::bad_alloc`) above 24 rows: a real OOM message, not the simulated one. */
class BadAllocAbove24 {
  static readonly type = 'bad_alloc_above_24';
  private readonly inner = new CrossEntropyLoss({});
  compute(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
    if (logits.shape[0] > 24) throw new Error('std::bad_alloc');
    return this.inner.compute(logits, targets);
  }
}

function registries() {
  const r = createRegistries(registerData, registerProcessors, registerAugmentation, registerModels, registerLosses, registerMetrics, registerTrainer, registerCallbacks);
  r.datasets.register(BlobsData as never, 'test');
  r.losses.register(PeakProbe as never, 'test');
  r.losses.register(BadAllocAbove24 as never, 'test');
  return r;
}

async function sweep(opts: { minLr: number; maxLr: number; steps: number }, optimizer: Record<string, unknown> = {}, data: Record<string, unknown> = {}, trainer: Record<string, unknown> = {}) {
  const reg = registries();
  const parts = await buildTuneParts({ config: { ...blobsConfig(data, optimizer), trainer }, registries: reg, maxSteps: opts.steps });
  try {
    return await findLr(parts, opts);
  } finally {
    parts.dispose();
  }
}

describe('findLr on a tiny config (real trainer steps)', () => {
  it('sweeps exponentially, finds the descent, suggests an LR inside the range and writes a plot', async () => {
    const r = await sweep({ minLr: 1e-4, maxLr: 3, steps: 60 });
    expect(r.points.length).toBeGreaterThan(30);
    expect(r.points[0].lr).toBeCloseTo(1e-4, 12);
    const ratio = Math.pow(3 / 1e-4, 1 / 59);
    for (let i = 1; i < r.points.length; i++) expect(r.points[i].lr / r.points[i - 1].lr).toBeCloseTo(ratio, 6);
    // flat at tiny LRs, then the loss falls well below where it started
    const first = r.points[0].smoothed;
    const lowest = Math.min(...r.points.map((p) => p.smoothed));
    expect(lowest).toBeLessThan(first * 0.7);
    expect(Math.abs(r.points[5].smoothed - first)).toBeLessThan(0.1 * first);
    expect(r.suggestion).toBeDefined();
    expect(r.suggestion!).toBeGreaterThan(1e-4);
    expect(r.suggestion!).toBeLessThan(3);
    // the suggestion lies on the falling part: its smoothed loss is under the start, before the minimum
    const at = r.points[r.suggestionIndex!];
    expect(at.lr).toBe(r.suggestion);
    expect(at.smoothed).toBeLessThan(first);
    expect(r.suggestionIndex!).toBeLessThanOrEqual(r.points.findIndex((p) => p.smoothed === lowest));
    expect(r.lowestLossLr).toBe(r.points.find((p) => p.smoothed === lowest)!.lr);

    const png = await lrPlotPng(r.points, r.suggestion);
    const dir = mkdtempSync(join(tmpdir(), 'kiln-lr-'));
    await sharp(png).toFile(join(dir, 'lr_find.png'));
    const meta = await sharp(readFileSync(join(dir, 'lr_find.png'))).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 720, 440]);
    expect(existsSync(join(dir, 'lr_find.png'))).toBe(true);
  });

  it('stops early once the loss diverges (> 4× the best smoothed loss)', async () => {
    const r = await sweep({ minLr: 1e-3, maxLr: 1e4, steps: 200 }, {}, { count: 256, flipEvery: 4 });
    expect(r.diverged).toBe(true);
    expect(r.points.length).toBeLessThan(200);
    expect(r.points.length).toBeGreaterThan(10);
    expect(r.suggestion!).toBeLessThan(r.points[r.points.length - 1].lr);
  });

  it('records one point per optimizer step with gradient accumulation (mean of its batches)', async () => {
    const r = await sweep({ minLr: 1e-3, maxLr: 1e-1, steps: 12 }, {}, {}, { accumulateGradBatches: 2 });
    expect(r.points).toHaveLength(12);
    expect(r.points[11].lr).toBeCloseTo(1e-1, 10);
  });

  it('leaves no tensors behind once the parts are disposed', async () => {
    const before = tf.memory().numTensors;
    await sweep({ minLr: 1e-4, maxLr: 1, steps: 10 }, { _target_: 'adam', lr: 1e-3 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('tryBatchSize + searchBatchSize under a simulated memory cap', () => {
  it('finds the largest batch under the cap, by real steps, deterministically', async () => {
    const reg = registries();
    const config = blobsConfig({ count: 512 });
    // What a batch costs (live bytes at the loss, as the cap measures them), uncapped:
    const cost = async (n: number) => {
      peak = 0;
      await tryBatchSize({ config: { ...config, loss: { _target_: 'peak_probe' } }, registries: reg, batchSize: n, steps: 2 });
      return peak;
    };
    const [c8, c64] = [await cost(8), await cost(64)];
    const perSample = (c64 - c8) / 56;
    expect(perSample).toBeGreaterThan(0);
    const cap = c8 + perSample * (100 - 8) + perSample / 2; // room for 100 samples
    const result = await searchBatchSize({ init: 2, max: 512, tryBatch: (n) => tryBatchSize({ config, registries: reg, batchSize: n, steps: 2, memoryLimit: cap }) });
    expect(result.batchSize).toBeGreaterThanOrEqual(99);
    expect(result.batchSize).toBeLessThanOrEqual(101);
    expect(await cost(result.batchSize)).toBeLessThanOrEqual(cap);
    expect(await cost(result.batchSize + 1)).toBeGreaterThan(cap);
    expect(result.firstFailure).toBe(result.batchSize + 1);
    expect(result.trials.map((t) => t.batchSize).slice(0, 7)).toEqual([2, 4, 8, 16, 32, 64, 128]);
    expect(result.trials.find((t) => t.batchSize === 128)!.error).toMatch(/simulated/);
    // the config handed in is untouched (each try rebuilds from a copy with data.batchSize=N)
    expect((config.data as { batchSize: number }).batchSize).toBe(8);
  });

  it("recognises a backend's own out-of-memory error through the trainer (engine's isOutOfMemoryError)", async () => {
    const reg = registries();
    const config = { ...blobsConfig({ count: 256 }), loss: { _target_: 'bad_alloc_above_24' } };
    const result = await searchBatchSize({ init: 2, max: 256, tryBatch: (n) => tryBatchSize({ config, registries: reg, batchSize: n, steps: 1 }) });
    expect(result).toMatchObject({ batchSize: 24, firstFailure: 25 });
    expect(result.trials.find((t) => !t.fits)!.error).toBe('std::bad_alloc');
  });

  it('reaches --max when everything fits, and a non-memory error propagates', async () => {
    const reg = registries();
    const config = blobsConfig({ count: 40 });
    const result = await searchBatchSize({ init: 2, max: 40, tryBatch: (n) => tryBatchSize({ config, registries: reg, batchSize: n, steps: 1 }) });
    expect(result).toMatchObject({ batchSize: 40, reachedMax: true, firstFailure: undefined });
    const broken = { ...config, model: { _target_: 'mlp', hidden: [-1] } };
    await expect(tryBatchSize({ config: broken, registries: reg, batchSize: 4, steps: 1 })).rejects.toThrow(/hidden/);
  });
});
