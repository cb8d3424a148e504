import * as tf from '@tensorflow/tfjs';
import { Callback, type EpochEnd, type TrainerView } from '@kiln/contracts';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Sgd } from '../src/optimizers/sgd';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());

class Ends extends Callback {
  hooks: string[] = [];
  ends: EpochEnd[] = [];
  override onValidationEnd(t: TrainerView) {
    this.hooks.push(`valEnd:${t.epoch}`);
  }
  override onEpochEnd(t: TrainerView, e: EpochEnd) {
    this.hooks.push(`epochEnd:${t.epoch}`);
    this.ends.push(e);
  }
}

describe('the loop emits onEpochEnd', () => {
  it('once per epoch, after its validation when it ran, with fresh train and val metrics only', async () => {
    seedEverything(2);
    const ends = new Ends();
    const trainer = new Trainer({ maxEpochs: 3, checkValEveryNEpoch: 2 });
    await trainer.fit({ model: tinyModel(), loss: crossEntropy, optimizer: new Sgd({ lr: 0.1 }), data: new FakeDataModule(), callbacks: [ends] });
    // Epoch 0 skips validation, 1 validates (every 2nd), 2 validates (the last).
    expect(ends.hooks).toEqual(['epochEnd:0', 'valEnd:1', 'epochEnd:1', 'valEnd:2', 'epochEnd:2']);
    expect(ends.ends.map((e) => [e.epoch, e.validated])).toEqual([[0, false], [1, true], [2, true]]);
    expect(ends.ends.map((e) => e.step)).toEqual([8, 16, 24]);
    expect(Object.keys(ends.ends[0].metrics).sort()).toEqual(['lr', 'train/accuracy', 'train/loss']);
    // Epoch 1's stale val/* values never reach epoch 2's record before its own validation ran.
    expect(Object.keys(ends.ends[2].metrics)).toContain('val/accuracy');
    expect(ends.ends[2].metrics['val/accuracy']).not.toBe(undefined);
    expect('epoch' in ends.ends[1].metrics || 'step' in ends.ends[1].metrics).toBe(false);
  });

  it('without validation data, at the end of every epoch', async () => {
    seedEverything(2);
    const ends = new Ends();
    class NoVal extends FakeDataModule {
      override valLoader() {
        return undefined;
      }
    }
    await new Trainer({ maxEpochs: 2 }).fit({ model: tinyModel(), loss: crossEntropy, optimizer: new Sgd({ lr: 0.1 }), data: new NoVal(), callbacks: [ends] });
    expect(ends.hooks).toEqual(['epochEnd:0', 'epochEnd:1']);
    expect(ends.ends.every((e) => !e.validated)).toBe(true);
  });
});
