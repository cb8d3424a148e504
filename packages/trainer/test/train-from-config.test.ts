import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, createRegistries, Logger, memorySink, restoreMathRandom, z, type Registries } from '@kiln/core';
import { register as registerCallbacks } from '@kiln/callbacks';
import { register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint';
import { register } from '../src/register';
import { restoreModelFromCheckpoint } from '../src/restore-model';
import { trainFromConfig } from '../src/train-from-config';
import { FakeDataModule, tinyModel } from './fake-data';
import { removeTempDirs, tempDir } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

class FakeDataset extends FakeDataModule {
  static readonly type = 'fake_blobs';
  static readonly optionsSchema = z.object({ batchSize: z.number().int().default(8) }).strict();
  constructor(o: { batchSize?: number }) {
    super({ batchSize: o.batchSize });
  }
}

class TinyDense {
  static readonly type = 'tiny_dense';
  static readonly optionsSchema = z
    .object({ numClasses: z.number().int(), inputShape: z.tuple([z.number(), z.number(), z.number()]) })
    .strict();
  readonly net: tf.LayersModel;
  constructor(o: { numClasses: number; inputShape: [number, number, number] }) {
    this.net = tinyModel(o).net;
  }
  summary(): string {
    return 'tiny dense';
  }
}

function registries(): Registries {
  return createRegistries(register, registerLosses, registerMetrics, registerCallbacks, (r) => {
    r.datasets.register(FakeDataset, 'test');
    r.models.register(TinyDense, 'test');
  });
}

const baseConfig = () => ({
  seed: 3,
  data: { _target_: 'fake_blobs' },
  model: { _target_: 'tiny_dense' },
  loss: { _target_: 'cross_entropy' },
  optimizer: { _target_: 'adam', lr: 0.05 },
  scheduler: { _target_: 'cosine', warmupEpochs: 1, minLr: 1e-4 },
  trainer: { maxEpochs: 3, metrics: [{ _target_: 'accuracy' }, { _target_: 'f1', average: 'macro' }] },
  callbacks: {
    model_checkpoint: { _target_: 'model_checkpoint', monitor: 'val/accuracy', mode: 'max' },
    terminate_on_nan: null,
  },
});

describe('trainFromConfig', () => {
  it('builds every component from config, trains, and writes best/last checkpoints with meta', async () => {
    const runDir = tempDir();
    const sink = memorySink();
    const result = await trainFromConfig({ config: baseConfig(), registries: registries(), logger: new Logger({ sinks: [sink] }), runDir });
    expect(result.metrics['val/accuracy']).toBeGreaterThan(0.9);
    expect(result.metrics['val/f1']).toBeGreaterThan(0.9);
    expect(result.best?.monitor).toBe('val/accuracy');
    expect(result.best!.value).toBeGreaterThanOrEqual(result.metrics['val/accuracy']);
    expect(Object.keys(result).sort()).toEqual(
      ['bestCheckpointPath', 'best', 'epochsCompleted', 'globalStep', 'lastCheckpointPath', 'metrics', 'resumedFrom', 'stoppedEarly'].sort(),
    );
    expect(result.bestCheckpointPath).toMatch(/epoch=\d{3}-val\/accuracy=|epoch=\d{3}-val_accuracy=|\.ckpt$/);
    expect(existsSync(join(runDir, 'checkpoints', 'last.ckpt'))).toBe(true);
    expect(existsSync(join(runDir, 'checkpoints', 'best.ckpt'))).toBe(true);
    const ckpt = await loadCheckpoint(join(runDir, 'checkpoints', 'last.ckpt'));
    expect(ckpt.epoch).toBe(3);
    expect(ckpt.classes).toEqual(['class0', 'class1', 'class2']);
    expect((ckpt.meta?.config as { seed: number }).seed).toBe(3);
    expect(Object.keys(ckpt.callbacks ?? {})).toContain('model_checkpoint');
    const restored = await restoreModelFromCheckpoint(join(runDir, 'checkpoints', 'best.ckpt'));
    expect(restored.classes).toEqual(['class0', 'class1', 'class2']);
    expect(restored.net.outputs[0].shape).toEqual([null, 3]);
    expect(sink.records.some((r) => /data: 3 classes/.test(r.message))).toBe(true);
    restored.net.dispose();
  });

  it('unknown trainer keys fail with a suggestion naming the config path', async () => {
    const config = { ...baseConfig(), trainer: { maxEpochz: 2 } };
    const err = await trainFromConfig({ config, registries: registries() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/trainer\.maxEpochz.*did you mean 'maxEpochs'/);
  });

  it('scheduler null trains with a constant lr', async () => {
    const config = { ...baseConfig(), scheduler: null, callbacks: {}, trainer: { maxEpochs: 1 } };
    const result = await trainFromConfig({ config, registries: registries() });
    expect(result.metrics.lr).toBe(0.05);
  });
});
