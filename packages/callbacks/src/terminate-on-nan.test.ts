import { describe, expect, it } from 'vitest';
import { KilnError } from '@kiln/core';
import { NonFiniteLossError } from '@kiln/trainer';
import { fakeTrainer } from './__fixtures__/fake-trainer';
import { TerminateOnNan } from './terminate-on-nan';

describe('terminate_on_nan', () => {
  it('passes finite losses and throws on NaN or infinity, naming epoch, step and batch', () => {
    const t = fakeTrainer({ epoch: 2, globalStep: 57 });
    const cb = new TerminateOnNan();
    expect(() => cb.onTrainBatchEnd(t, { batchIdx: 3, batchSize: 8, loss: 0.7 })).not.toThrow();
    let err: unknown;
    try {
      cb.onTrainBatchEnd(t, { batchIdx: 4, batchSize: 8, loss: NaN });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as Error).message).toContain('NaN at epoch 2, step 57 (batch 4)');
    expect(() => cb.onTrainBatchEnd(t, { batchIdx: 4, batchSize: 8, loss: -Infinity })).toThrow(/-Inf at epoch 2/);
  });

  it('takes no options', () => {
    expect(() => new TerminateOnNan({ patience: 1 } as never)).toThrow();
  });
});
