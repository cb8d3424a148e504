import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callback, type TrainerView } from '@kiln/contracts';
import { Adam } from '../src/optimizers/adam';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule } from './fake-data';
import { removeTempDirs, SaveLast, tempDir, weightsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

/** Named layers, so patterns are stable (tfjs numbers unnamed layers per process). */
function namedModel(seed: number) {
  const net = tf.sequential();
  net.add(tf.layers.flatten({ inputShape: [4, 4, 1], name: 'flat' }));
  net.add(tf.layers.dense({ units: 8, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  net.add(tf.layers.dense({ units: 3, name: 'head', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return { net };
}

/** The `hidden` layer's weights at the end of each training epoch. */
class Snap extends Callback {
  hidden: number[][][] = [];
  constructor(private readonly net: tf.LayersModel) {
    super();
  }
  override onTrainEpochEnd(_t: TrainerView): void {
    this.hidden.push(weightsOf(this.net).slice(0, 2));
  }
}

const data = () => new FakeDataModule({ shuffle: false, trainSize: 32 });

describe('trainer.freeze / unfreezeAt', () => {
  it('frozen layers get no update and no optimizer state; unfreezeAt adds them with fresh state', async () => {
    seedEverything(21);
    const model = namedModel(1);
    const init = weightsOf(model.net);
    const snap = new Snap(model.net);
    const optimizer = new Adam({ lr: 0.05 });
    await new Trainer({ maxEpochs: 3, freeze: ['hid*'], unfreezeAt: 2 }).fit({ model, loss: crossEntropy, optimizer, data: data(), callbacks: [snap] });
    // Epochs 0 and 1: hidden frozen bit for bit while the head trained; epoch 2: hidden trains.
    expect(snap.hidden[0]).toEqual(init.slice(0, 2));
    expect(snap.hidden[1]).toEqual(init.slice(0, 2));
    expect(snap.hidden[2]).not.toEqual(init.slice(0, 2));
    expect(weightsOf(model.net)[2]).not.toEqual(init[2]);
    // Adam's step count t is global; the hidden slots exist and were created at unfreezing.
    const slots = Object.keys((await optimizer.stateDict()).slots);
    expect(slots.some((k) => k.includes('hidden'))).toBe(true);
  });

  it('never unfrozen: no optimizer slots for the frozen layer', async () => {
    seedEverything(22);
    const model = namedModel(2);
    const init = weightsOf(model.net);
    const optimizer = new Adam({ lr: 0.05 });
    await new Trainer({ maxEpochs: 2, freeze: ['hidden/kernel'] }).fit({ model, loss: crossEntropy, optimizer, data: data() });
    expect(weightsOf(model.net)[0]).toEqual(init[0]);
    expect(weightsOf(model.net)[1]).not.toEqual(init[1]);
    const slots = Object.keys((await optimizer.stateDict()).slots);
    expect(slots.some((k) => k.includes('hidden') && k.includes('kernel'))).toBe(false);
  });

  it('resume across the unfreeze epoch is exact', async () => {
    const run = async (epochs: number, runDir: string, resume: string | null) => {
      seedEverything(23);
      const model = namedModel(3);
      await new Trainer({ maxEpochs: epochs, freeze: ['hidden'], unfreezeAt: 1, resume }, { runDir }).fit({
        model, loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data: data(), callbacks: [new SaveLast()],
      });
      return weightsOf(model.net);
    };
    const straight = await run(3, tempDir(), null);
    const dir = tempDir();
    await run(1, dir, null);
    const resumed = await run(3, tempDir(), join(dir, 'checkpoints', 'last.ckpt'));
    expect(resumed).toEqual(straight);
  });

  it('a pattern that matches nothing names the layers and the closest', async () => {
    await expect(
      new Trainer({ maxEpochs: 1, freeze: ['hiden'] }).fit({ model: namedModel(4), loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data: data() }),
    ).rejects.toThrow(/'hiden' matches no trainable layer \(did you mean 'hidden'/);
  });
});
