import * as tf from '@tensorflow/tfjs';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callback, type EpochEnd, type TrainerView } from '@kiln/contracts';
import { decodeCheckpoint } from '../src/checkpoint';
import { Adam } from '../src/optimizers/adam';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';
import { removeTempDirs, tempDir } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

/** Saves the epoch's state under three names, as model_checkpoint does (top-k file, best, last). */
class SaveThree extends Callback {
  editWeights = false;
  override async onEpochEnd(t: TrainerView, e: EpochEnd) {
    const dir = join(t.runDir!, 'checkpoints');
    await t.saveCheckpoint(join(dir, `epoch=${e.epoch}.ckpt`));
    await t.saveCheckpoint(join(dir, 'best.ckpt'));
    if (this.editWeights) t.setWeights(new Map([...t.getWeights()].map(([k, v]) => [k, v.map((x) => x * 0.5)])));
    await t.saveCheckpoint(join(dir, 'last.ckpt'));
  }
}

async function fit(cb: SaveThree) {
  seedEverything(5);
  const runDir = tempDir();
  const model = tinyModel();
  await new Trainer({ maxEpochs: 2 }, { runDir }).fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data: new FakeDataModule(), callbacks: [cb] });
  model.net.dispose();
  return (name: string) => join(runDir, 'checkpoints', name);
}

describe('checkpoints of one state', () => {
  it('are one file linked under each name; the next epoch writes a new file and leaves the old ones intact', async () => {
    const at = await fit(new SaveThree());
    const ino = (n: string) => statSync(at(n)).ino;
    expect(ino('epoch=1.ckpt')).toBe(ino('best.ckpt'));
    expect(ino('epoch=1.ckpt')).toBe(ino('last.ckpt'));
    expect(ino('epoch=0.ckpt')).not.toBe(ino('epoch=1.ckpt'));
    const e0 = decodeCheckpoint(readFileSync(at('epoch=0.ckpt')));
    const last = decodeCheckpoint(readFileSync(at('last.ckpt')));
    expect(e0.epoch).toBe(1);
    expect(last.epoch).toBe(2);
    expect(last.globalStep).toBeGreaterThan(e0.globalStep);
  });

  it('weights set through the view in between: the next save is written afresh with them', async () => {
    const cb = new SaveThree();
    cb.editWeights = true;
    const at = await fit(cb);
    expect(statSync(at('best.ckpt')).ino).not.toBe(statSync(at('last.ckpt')).ino);
    const best = decodeCheckpoint(readFileSync(at('best.ckpt')));
    const last = decodeCheckpoint(readFileSync(at('last.ckpt')));
    expect(last.weights[0].data[0]).toBeCloseTo(best.weights[0].data[0] * 0.5, 6);
  });
});
