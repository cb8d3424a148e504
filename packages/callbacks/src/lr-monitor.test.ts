import { describe, expect, it } from 'vitest';
import { fakeTrainer, messages } from './__fixtures__/fake-trainer';
import { formatLr, LrMonitor } from './lr-monitor';

describe('lr_monitor', () => {
  it('logs the learning rate at each epoch start', () => {
    const t = fakeTrainer({ learningRate: 0.01 });
    const cb = new LrMonitor();
    cb.onTrainEpochStart(t);
    t.epoch = 1;
    t.globalStep = 100;
    t.learningRate = 0.005;
    cb.onTrainEpochStart(t);
    cb.onTrainBatchEnd(t, { batchIdx: 0, batchSize: 8, loss: 1 }); // epoch interval: ignored
    expect(cb.history).toEqual([
      { epoch: 0, step: 0, lr: 0.01 },
      { epoch: 1, step: 100, lr: 0.005 },
    ]);
    expect(messages(t, 'INFO')).toEqual(['lr_monitor: epoch 0 step 0 lr=1.000e-2', 'lr_monitor: epoch 1 step 100 lr=5.000e-3']);
  });

  it('logs every N steps in step mode, and stays quiet off rank 0', () => {
    const t = fakeTrainer({ isGlobalZero: false });
    const cb = new LrMonitor({ interval: 'step', everyNSteps: 2 });
    for (let step = 1; step <= 5; step++) {
      t.globalStep = step;
      cb.onTrainBatchEnd(t, { batchIdx: step - 1, batchSize: 8, loss: 1 });
    }
    expect(cb.history.map((s) => s.step)).toEqual([2, 4]);
    expect(messages(t)).toEqual([]);
  });

  it('formats learning rates in exponent notation', () => {
    expect(formatLr(0.001)).toBe('1.000e-3');
    expect(formatLr(3e4)).toBe('3.000e4');
    expect(formatLr(NaN)).toBe('NaN');
  });
});
