import * as tf from '@tensorflow/tfjs';
import { memorySink, Logger, restoreMathRandom, seedEverything } from '@kiln/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callback, type TrainerView } from '@kiln/contracts';
import { Adam } from '../src/optimizers/adam';
import { Sgd } from '../src/optimizers/sgd';
import { CosineScheduler } from '../src/schedulers/cosine';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());

class Recorder extends Callback {
  events: string[] = [];
  tensorsAtEpochEnd: number[] = [];
  lrs: number[] = [];
  override onFitStart() { this.events.push('fitStart'); }
  override onTrainEpochStart(t: TrainerView) { this.events.push(`epochStart:${t.epoch}`); }
  override onTrainBatchEnd(t: TrainerView) { this.lrs.push(t.learningRate); }
  override onTrainEpochEnd(t: TrainerView) {
    this.events.push(`epochEnd:${t.epoch}`);
  }
  override onValidationEnd(t: TrainerView, m: Record<string, number>) {
    this.events.push(`valEnd:${t.epoch}`);
    this.tensorsAtEpochEnd.push(tf.memory().numTensors);
    expect(m['val/accuracy']).toBeTypeOf('number');
  }
  override onFitEnd() { this.events.push('fitEnd'); }
}

describe('Trainer.fit', () => {
  it('learns separable data, calls hooks in order and leaks no tensors between epochs', async () => {
    seedEverything(1);
    const data = new FakeDataModule();
    const model = tinyModel();
    const rec = new Recorder();
    const trainer = new Trainer({ maxEpochs: 4 });
    const result = await trainer.fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data, callbacks: [rec] });
    expect(data.setupCalls).toBe(1);
    expect(result.metrics['val/accuracy']).toBeGreaterThan(0.9);
    expect(result.globalStep).toBe(4 * 8);
    expect(result.epochsCompleted).toBe(4);
    expect(result.best?.monitor).toBe('val/accuracy');
    expect(rec.events.slice(0, 4)).toEqual(['fitStart', 'epochStart:0', 'epochEnd:0', 'valEnd:0']);
    expect(rec.events.at(-1)).toBe('fitEnd');
    expect(rec.tensorsAtEpochEnd[1]).toBe(rec.tensorsAtEpochEnd[0]);
    expect(rec.tensorsAtEpochEnd[3]).toBe(rec.tensorsAtEpochEnd[1]);
    model.net.dispose();
  });

  it('maxSteps stops mid-epoch; scheduler sets lr per step', async () => {
    const data = new FakeDataModule();
    const model = tinyModel();
    const rec = new Recorder();
    const trainer = new Trainer({ maxEpochs: 10, maxSteps: 5 });
    const sched = new CosineScheduler({ warmupSteps: 2 });
    const result = await trainer.fit({ model, loss: crossEntropy, optimizer: new Sgd({ lr: 0.1 }), scheduler: sched, data, callbacks: [rec] });
    expect(result.globalStep).toBe(5);
    // warmup 0.05, 0.1 then cosine over 3 steps: progress 0, 1/3, 2/3
    expect(rec.lrs[0]).toBeCloseTo(0.05, 8);
    expect(rec.lrs[1]).toBeCloseTo(0.1, 8);
    expect(rec.lrs[3]).toBeCloseTo(0.1 * (1 + Math.cos(Math.PI / 3)) / 2, 8);
    model.net.dispose();
  });

  it('accumulateGradBatches=2 steps half as often and matches one batch of double size', async () => {
    const run = async (batchSize: number, accumulate: number) => {
      const data = new FakeDataModule({ batchSize, shuffle: false, trainSize: 32 });
      const model = tinyModel();
      const init = tinyModel();
      init.net.setWeights(model.net.getWeights());
      const trainer = new Trainer({ maxEpochs: 1, accumulateGradBatches: accumulate });
      const r = await trainer.fit({ model, loss: crossEntropy, optimizer: new Sgd({ lr: 0.1 }), data });
      return { steps: r.globalStep, weights: model.net.getWeights().map((w) => Array.from(w.dataSync())), model, init };
    };
    seedEverything(3);
    const big = await run(16, 1);
    seedEverything(3);
    const small = await run(8, 2);
    expect(small.steps).toBe(2);
    expect(big.steps).toBe(2);
    big.weights.forEach((w, i) => w.forEach((v, j) => expect(small.weights[i][j]).toBeCloseTo(v, 5)));
  });

  it('fastDevRun runs one batch of train and val and saves nothing', async () => {
    const data = new FakeDataModule();
    const model = tinyModel();
    const rec = new Recorder();
    const sink = memorySink();
    const trainer = new Trainer({ fastDevRun: true, maxEpochs: 5 }, { logger: new Logger({ sinks: [sink] }), runDir: '/nonexistent/should-not-write' });
    let sawRunDir: string | undefined = 'unset';
    rec.onFitEnd = function (t: TrainerView) { sawRunDir = t.runDir; };
    const result = await trainer.fit({ model, loss: crossEntropy, optimizer: new Sgd(), data, callbacks: [rec] });
    expect(result.globalStep).toBe(1);
    expect(sawRunDir).toBeUndefined();
    expect(rec.tensorsAtEpochEnd.length).toBe(1);
    model.net.dispose();
  });

  it('limitTrainBatches (fraction) and limitValBatches (count)', async () => {
    const data = new FakeDataModule();
    const model = tinyModel();
    let seen: [number, number] = [0, 0];
    const cb = new (class extends Callback {
      override onFitStart(t: TrainerView) { seen = [t.trainBatchesPerEpoch, t.valBatchesPerEpoch]; }
    })();
    const trainer = new Trainer({ maxEpochs: 1, limitTrainBatches: 0.5, limitValBatches: 1 });
    const r = await trainer.fit({ model, loss: crossEntropy, optimizer: new Sgd(), data, callbacks: [cb] });
    expect(seen).toEqual([4, 1]);
    expect(r.globalStep).toBe(4);
    model.net.dispose();
  });

  it('overfitBatches replays the same batches and drives train loss down', async () => {
    seedEverything(5);
    const data = new FakeDataModule();
    const model = tinyModel();
    const trainer = new Trainer({ maxEpochs: 15, overfitBatches: 2 });
    const r = await trainer.fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data });
    expect(r.globalStep).toBe(30);
    expect(r.metrics['val/accuracy']).toBe(1);
    expect(r.metrics['train/loss']).toBeLessThan(0.1);
    model.net.dispose();
  });

  it('validate() and test() return val/* and test/* metrics', async () => {
    const data = new FakeDataModule();
    const model = tinyModel();
    const trainer = new Trainer();
    const v = await trainer.validate({ model, loss: crossEntropy, data });
    const t = await trainer.test({ model, loss: crossEntropy, data });
    expect(Object.keys(v).sort()).toEqual(['val/accuracy', 'val/loss']);
    expect(Object.keys(t).sort()).toEqual(['test/accuracy', 'test/loss']);
    expect(t['test/loss']).toBeCloseTo(v['val/loss'], 6);
    model.net.dispose();
  });

  it('checkValEveryNEpoch validates on multiples and after the last epoch', async () => {
    const model = tinyModel();
    const rec = new Recorder();
    await new Trainer({ maxEpochs: 3, checkValEveryNEpoch: 2 }).fit({ model, loss: crossEntropy, optimizer: new Sgd(), data: new FakeDataModule(), callbacks: [rec] });
    expect(rec.events.filter((e) => e.startsWith('valEnd'))).toEqual(['valEnd:1', 'valEnd:2']);
    model.net.dispose();
  });

  it('validates with the EMA weights when ema is set', async () => {
    seedEverything(8);
    const model = tinyModel();
    const trainer = new Trainer();
    const data = new FakeDataModule();
    const initial = await trainer.validate({ model, loss: crossEntropy, data });
    // decay so close to 1 that the EMA stays at the initial weights during 16 steps
    const r = await new Trainer({ maxEpochs: 2, ema: { decay: 0.999999 } }).fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data });
    expect(r.metrics['val/loss']).toBeCloseTo(initial['val/loss'], 4);
    const live = await trainer.validate({ model, loss: crossEntropy, data });
    expect(live['val/loss']).toBeLessThan(initial['val/loss'] - 0.2);
    model.net.dispose();
  });

  it('rejects unknown options with a suggestion', () => {
    expect(() => new Trainer({ maxEpoch: 3 } as never)).toThrow(/did you mean 'maxEpochs'/);
  });
});
