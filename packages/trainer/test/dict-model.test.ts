import * as tf from '@tensorflow/tfjs';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LossFn, ModelOutputs, TrainableModel } from '@kiln/contracts';
import { Sgd } from '../src/optimizers/sgd';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';
import { weightsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());

/** Counts the configured loss's calls, so a test can see whether the loop used it. */
function countingLoss(): LossFn & { calls: number } {
  return {
    calls: 0,
    compute(logits, targets) {
      this.calls++;
      return crossEntropy.compute(logits, targets);
    },
  };
}

/** The same tiny net with a `forward` that returns a dict (and, optionally, its own loss). */
function dictModel(withLoss: boolean): TrainableModel & { seenTargets: boolean[] } {
  const base = tinyModel();
  const model = {
    net: base.net,
    seenTargets: [] as boolean[],
    forward(images: tf.Tensor4D, targets: tf.Tensor1D | tf.Tensor2D | undefined, o: { training: boolean }): ModelOutputs {
      model.seenTargets.push(targets !== undefined);
      const logits = base.net.apply(images, { training: o.training }) as tf.Tensor2D;
      const out: ModelOutputs = { logits, features: tf.relu(logits) };
      // Twice the cross-entropy: a loss the configured one cannot produce.
      if (withLoss && targets) out.loss = crossEntropy.compute(logits, targets).mul(2) as tf.Scalar;
      return out;
    },
  };
  return model;
}

async function fit(model: TrainableModel, loss: LossFn) {
  const data = new FakeDataModule({ shuffle: false, trainSize: 32 });
  return new Trainer({ maxEpochs: 2 }).fit({ model, loss, optimizer: new Sgd({ lr: 0.1 }), data });
}

describe('dict-returning models', () => {
  it('extra outputs are ignored: training matches the plain model bit for bit, validation reads logits', async () => {
    seedEverything(5);
    const plain = tinyModel();
    const dict = dictModel(false);
    dict.net.setWeights(plain.net.getWeights());
    const a = await fit(plain, crossEntropy);
    const b = await fit(dict, crossEntropy);
    expect(weightsOf(dict.net)).toEqual(weightsOf(plain.net));
    expect(b.metrics['val/accuracy']).toBe(a.metrics['val/accuracy']);
    expect(b.metrics['train/loss']).toBe(a.metrics['train/loss']);
    // Targets in training, none in validation.
    expect(dict.seenTargets).toContain(true);
    expect(dict.seenTargets).toContain(false);
  });

  it('a returned loss replaces the configured one', async () => {
    seedEverything(6);
    const plain = tinyModel();
    const dict = dictModel(true);
    dict.net.setWeights(plain.net.getWeights());
    const configured = countingLoss();
    const r = await fit(dict, configured);
    // Called in validation only (the model gives no loss without targets), never in training.
    const probe = new FakeDataModule({ shuffle: false, trainSize: 32 });
    await probe.setup('fit');
    const valBatches = probe.valLoader()!.length;
    expect(configured.calls).toBe(2 * valBatches);
    // SGD on 2·CE with lr 0.1 is SGD on CE with lr 0.2.
    await new Trainer({ maxEpochs: 2 }).fit({
      model: plain,
      loss: crossEntropy,
      optimizer: new Sgd({ lr: 0.2 }),
      data: new FakeDataModule({ shuffle: false, trainSize: 32 }),
    });
    const [wd, wp] = [weightsOf(dict.net), weightsOf(plain.net)];
    wd.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(wp[i][j], 5)));
    expect(r.metrics['train/loss']).toBeGreaterThan(0);
  });

  it('a net with several outputs and no forward gets a clear error', async () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const a = tf.layers.dense({ units: 3 }).apply(flat) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 2 }).apply(flat) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: [a, b] });
    await expect(fit({ net }, crossEntropy)).rejects.toThrow(/returned 2 outputs; return one logits tensor or a dict/);
  });
});
