import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradScaler } from './grad-scaler';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const grads = (...vals: number[][]) => new Map(vals.map((v, i) => [`g${i}`, tf.tensor1d(v)]));

describe('GradScaler (torch GradScaler semantics)', () => {
  it('starts at 2^16 and unscales finite gradients', () => {
    const s = new GradScaler();
    expect(s.scale).toBe(65536);
    const out = s.unscale(grads([65536, -131072], [32768]));
    expect(out.finite).toBe(true);
    expect(Array.from(out.grads.get('g0')!.dataSync())).toEqual([1, -2]);
    expect(Array.from(out.grads.get('g1')!.dataSync())).toEqual([0.5]);
  });

  it.each([[Infinity], [-Infinity], [NaN]])('%s in any gradient: not finite, gradients disposed, scale halved, tracker reset', (bad) => {
    const s = new GradScaler({ initScale: 1024, growthInterval: 3 });
    s.update(true);
    s.update(true);
    const before = tf.memory().numTensors;
    const g = grads([1, 2], [3, bad]);
    const out = s.unscale(g);
    expect(out.finite).toBe(false);
    expect(out.grads.size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    s.update(out.finite);
    expect(s.scale).toBe(512);
    expect(s.growthTracker).toBe(0);
    expect(s.skipped).toBe(1);
  });

  it('grows ×2 after growthInterval clean steps in a row', () => {
    const s = new GradScaler({ initScale: 8, growthInterval: 3 });
    s.update(true);
    s.update(true);
    expect(s.scale).toBe(8);
    s.update(true);
    expect(s.scale).toBe(16);
    expect(s.growthTracker).toBe(0);
    s.update(true);
    s.update(false);
    s.update(true);
    s.update(true);
    expect(s.scale).toBe(8); // the overflow restarted the count
  });

  it('state round trip; a bad state is refused', () => {
    const a = new GradScaler({ initScale: 4096 });
    a.update(true);
    a.update(false);
    a.update(true);
    const b = new GradScaler();
    b.load(a.state());
    expect(b.state()).toEqual({ scale: 2048, growthTracker: 1 });
    expect(() => b.load({ scale: 0, growthTracker: 0 })).toThrow(/positive/);
  });
});
