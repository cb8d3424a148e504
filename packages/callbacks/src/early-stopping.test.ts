import { describe, expect, it } from 'vitest';
import { fakeTrainer, messages, type FakeTrainer } from './__fixtures__/fake-trainer';
import { EarlyStopping } from './early-stopping';

/** Feeds one validation score per epoch until the callback stops training; returns the epochs run. */
function run(cb: EarlyStopping, t: FakeTrainer, scores: number[], monitor = 'val/loss'): number {
  let epochs = 0;
  for (const score of scores) {
    t.weights = new Map([['w', new Float32Array([score])]]);
    cb.onValidationEnd(t, { [monitor]: score });
    epochs += 1;
    if (t.shouldStop) break;
    t.epoch += 1;
  }
  return epochs;
}

describe('early_stopping', () => {
  it('stops after `patience` epochs without improvement (min) and logs why', () => {
    const t = fakeTrainer();
    const cb = new EarlyStopping({ patience: 2 });
    expect(run(cb, t, [1.0, 0.8, 0.9, 0.85, 0.7])).toBe(4);
    expect(t.shouldStop).toBe(true);
    expect(cb.stoppedEpoch).toBe(3);
    expect(cb.bestScore).toBe(0.8);
    expect(cb.bestEpoch).toBe(1);
    const info = messages(t, 'INFO').join('\n');
    expect(info).toContain('stopping after epoch 3');
    expect(info).toContain('val/loss did not improve for 2 epochs (best 0.8 at epoch 1, min)');
  });

  it('needs improvements larger than minDelta (max mode)', () => {
    const t = fakeTrainer();
    const cb = new EarlyStopping({ monitor: 'val/accuracy', mode: 'max', patience: 2, minDelta: 0.05 });
    // 0.52 and 0.54 are within minDelta of 0.5; 0.56 beats it by more.
    expect(run(cb, t, [0.5, 0.52, 0.56, 0.6, 0.58], 'val/accuracy')).toBe(5);
    expect(cb.bestScore).toBe(0.56);
    expect(t.shouldStop).toBe(true);
    expect(messages(t, 'INFO').join()).toContain('by more than 0.05');
  });

  it('does not stop while the metric keeps improving', () => {
    const t = fakeTrainer();
    expect(run(new EarlyStopping({ patience: 1 }), t, [5, 4, 3, 2, 1])).toBe(5);
    expect(t.shouldStop).toBe(false);
  });

  it('stops at once on a non-finite value unless checkFinite is off', () => {
    const t = fakeTrainer();
    expect(run(new EarlyStopping({ patience: 5 }), t, [1, NaN, 0.5])).toBe(2);
    expect(messages(t, 'INFO').join()).toContain('val/loss=NaN is not finite at epoch 1');
    const lenient = fakeTrainer();
    expect(run(new EarlyStopping({ patience: 5, checkFinite: false }), lenient, [1, NaN, 0.5])).toBe(3);
  });

  it('restores the best epoch weights at fit end', () => {
    const t = fakeTrainer();
    const cb = new EarlyStopping({ patience: 1, restoreBestWeights: true });
    run(cb, t, [3, 1, 2]);
    expect(t.weights.get('w')![0]).toBe(2);
    cb.onFitEnd(t);
    expect(t.weights.get('w')![0]).toBe(1);
    expect(messages(t, 'INFO').join()).toContain('restored the weights of epoch 1');
    // Without the option the weights stay.
    const plain = fakeTrainer();
    const off = new EarlyStopping({ patience: 1 });
    run(off, plain, [3, 1, 2]);
    off.onFitEnd(plain);
    expect(plain.weights.get('w')![0]).toBe(2);
  });

  it('continues counting after a state dict round trip', () => {
    const t = fakeTrainer();
    const cb = new EarlyStopping({ patience: 3 });
    run(cb, t, [1, 2, 3]); // best 1, wait 2
    const resumed = new EarlyStopping({ patience: 3 });
    resumed.loadStateDict(JSON.parse(JSON.stringify(cb.stateDict())) as Record<string, unknown>);
    expect(resumed.wait).toBe(2);
    expect(resumed.bestScore).toBe(1);
    const t2 = fakeTrainer({ epoch: 3 });
    expect(run(resumed, t2, [1.5])).toBe(1);
    expect(t2.shouldStop).toBe(true);
    // A fresh state (best still the worst score) survives JSON as null.
    const fresh = new EarlyStopping({ mode: 'max' });
    const copy = new EarlyStopping({ mode: 'max' });
    copy.loadStateDict(JSON.parse(JSON.stringify(fresh.stateDict())) as Record<string, unknown>);
    expect(copy.bestScore).toBe(-Infinity);
  });

  it('decides at train epoch end when there is no validation, and warns once about a missing metric', () => {
    const t = fakeTrainer({ valBatchesPerEpoch: 0 });
    const cb = new EarlyStopping({ monitor: 'train/loss', patience: 0 });
    cb.onTrainEpochEnd(t, { 'train/loss': 1 });
    expect(cb.bestScore).toBe(1);
    const withVal = fakeTrainer();
    const other = new EarlyStopping({ monitor: 'val/f1' });
    other.onTrainEpochEnd(withVal, { 'train/loss': 1 }); // waits for validation
    other.onValidationEnd(withVal, { 'val/loss': 1 });
    other.onValidationEnd(withVal, { 'val/loss': 1 });
    expect(messages(withVal, 'WARN')).toHaveLength(1);
    expect(withVal.shouldStop).toBe(false);
  });
});
