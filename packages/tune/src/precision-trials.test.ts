import * as tf from '@tensorflow/tfjs';
import { isNativeAvailable, registerNativeBackend } from '@kiln/backend-native';
import { isPrecisionBackend, type ComputeType, type PrecisionBackend } from '@kiln/contracts';
import { createRegistries } from '@kiln/core';
import { CrossEntropyLoss, register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { register as registerModels } from '@kiln/models';
import { register as registerTrainer } from '@kiln/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryBatchSize } from './batch-size-trial';
import { BlobsData, blobsConfig } from './__fixtures__/blobs';

// `kiln tune batch-size` under trainer.precision: each trial is a real fit with the run's trainer
// settings, so it must run in the configured precision (and leave fp32 behind it).
const native = isNativeAvailable() && registerNativeBackend({ priority: 0 });
const seen: ComputeType[] = [];
const backend = () => tf.backend() as unknown as PrecisionBackend;

/** Cross-entropy that records the backend's compute type at each step. */
class PrecisionProbe {
  static readonly type = 'precision_probe';
  private readonly inner = new CrossEntropyLoss({});
  compute(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
    seen.push(backend().computePrecision().type);
    return this.inner.compute(logits, targets);
  }
}

const emulateBefore = process.env.KILN_PRECISION_EMULATE;
beforeAll(async () => {
  if (!native) return;
  await tf.setBackend('native');
  // Native bf16 where the CPU has it; otherwise the emulated path (same mode switch, same trial code).
  if (isPrecisionBackend(tf.backend()) && !backend().computePrecision().bf16) process.env.KILN_PRECISION_EMULATE = '1';
});
afterAll(() => {
  if (emulateBefore === undefined) delete process.env.KILN_PRECISION_EMULATE;
  else process.env.KILN_PRECISION_EMULATE = emulateBefore;
});

describe.runIf(native)('batch-size trials under trainer.precision', () => {
  const registries = () => {
    const r = createRegistries(registerModels, registerLosses, registerMetrics, registerTrainer);
    r.datasets.register(BlobsData as never, 'test');
    r.losses.register(PrecisionProbe as never, 'test');
    return r;
  };

  for (const [precision, type] of [['bf16-mixed', 'bf16'], ['16-mixed', 'fp16'], ['32-true', 'fp32']] as const) {
    it(`${precision}: every trial step runs in ${type}, and the backend is fp32 afterwards`, async () => {
      seen.length = 0;
      const config = { ...blobsConfig(), loss: { _target_: 'precision_probe' }, trainer: { precision } };
      const trial = await tryBatchSize({ config, registries: registries(), batchSize: 16, steps: 3 });
      expect(trial.fits).toBe(true);
      expect(seen).toHaveLength(3);
      expect(new Set(seen)).toEqual(new Set([type]));
      expect(backend().computePrecision().type).toBe('fp32');
    });
  }
});
