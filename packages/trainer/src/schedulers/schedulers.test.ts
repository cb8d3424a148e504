import { describe, expect, it } from 'vitest';
import { CosineScheduler } from './cosine';
import { MultiStepScheduler } from './multistep';
import { OneCycleScheduler } from './onecycle';
import { ReduceOnPlateauScheduler } from './reduce-on-plateau';
import type { ScheduleContext } from './scheduler';
import { StepScheduler } from './step';

const ctx = (o: Partial<ScheduleContext> = {}): ScheduleContext => ({
  baseLr: 0.1,
  totalSteps: 100,
  totalEpochs: 10,
  stepsPerEpoch: 10,
  ...o,
});

describe('cosine', () => {
  it('warms up linearly then follows torch CosineAnnealingLR', () => {
    const s = new CosineScheduler({ warmupSteps: 10, minLr: 0.001 });
    s.setup(ctx());
    expect(s.lrAt(0)).toBeCloseTo(0.01, 10);
    expect(s.lrAt(4)).toBeCloseTo(0.05, 10);
    expect(s.lrAt(9)).toBeCloseTo(0.1, 10);
    expect(s.lrAt(10)).toBeCloseTo(0.1, 10);
    // halfway through the 90 cosine steps: min + (base - min)/2
    expect(s.lrAt(55)).toBeCloseTo(0.001 + 0.099 / 2, 10);
    expect(s.lrAt(100)).toBeCloseTo(0.001, 10);
  });
  it('warmupEpochs converts to steps with interval step', () => {
    const s = new CosineScheduler({ warmupEpochs: 2 });
    s.setup(ctx());
    expect(s.warmup).toBe(20);
  });
  it('per epoch without warmup: torch values', () => {
    const s = new CosineScheduler({ interval: 'epoch' });
    s.setup(ctx());
    // eta_t = 0.1·(1 + cos(π·t/10))/2
    expect(s.lrAt(0)).toBeCloseTo(0.1, 10);
    expect(s.lrAt(3)).toBeCloseTo(0.1 * (1 + Math.cos((Math.PI * 3) / 10)) / 2, 10);
    expect(s.lrAt(5)).toBeCloseTo(0.05, 10);
  });
  it('rejects both warmups', () => {
    expect(() => new CosineScheduler({ warmupSteps: 1, warmupEpochs: 1 })).toThrow(/not both/);
  });
});

describe('step / multistep', () => {
  it('step: gamma every stepSize epochs', () => {
    const s = new StepScheduler({ stepSize: 3, gamma: 0.5 });
    s.setup(ctx());
    expect([0, 2, 3, 5, 6, 9].map((t) => s.lrAt(t))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
  });
  it('multistep: gamma at each milestone', () => {
    const s = new MultiStepScheduler({ milestones: [2, 5], gamma: 0.1 });
    s.setup(ctx());
    const lrs = [0, 1, 2, 4, 5, 8].map((t) => s.lrAt(t));
    [0.1, 0.1, 0.01, 0.01, 0.001, 0.001].forEach((v, i) => expect(lrs[i]).toBeCloseTo(v, 12));
  });
});

describe('onecycle', () => {
  it('matches torch OneCycleLR (total 100, pct 0.3, div 25, final 1e4)', () => {
    const s = new OneCycleScheduler({ maxLr: 1 });
    s.setup(ctx());
    expect(s.lrAt(0)).toBeCloseTo(0.04, 10);
    // phase 1 ends at step 29: max lr
    expect(s.lrAt(29)).toBeCloseTo(1, 10);
    // torch: step 10 → pct = 10/29, lr = 1 + (0.04-1)/2·(cos(π·10/29)+1)
    expect(s.lrAt(10)).toBeCloseTo(1 + ((0.04 - 1) / 2) * (Math.cos((Math.PI * 10) / 29) + 1), 10);
    expect(s.lrAt(99)).toBeCloseTo(0.04 / 1e4, 12);
    // phase 2 midpoint: pct = (64 - 29)/70 = 0.5 → (max + min)/2
    expect(s.lrAt(64)).toBeCloseTo((1 + 4e-6) / 2, 10);
  });
  it('defaults maxLr to the base lr', () => {
    const s = new OneCycleScheduler({});
    s.setup(ctx());
    expect(s.lrAt(29)).toBeCloseTo(0.1, 10);
  });
});

describe('reduce_on_plateau', () => {
  it('reduces after patience bad epochs and respects minLr', () => {
    const s = new ReduceOnPlateauScheduler({ patience: 1, factor: 0.5, minLr: 0.03 });
    s.setup(ctx());
    const lrs: number[] = [];
    for (const loss of [1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]) {
      s.observe({ 'val/loss': loss });
      lrs.push(s.lrAt(0));
    }
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03]);
  });
  it('state round-trips', () => {
    const a = new ReduceOnPlateauScheduler({ mode: 'max', monitor: 'val/accuracy', patience: 0 });
    a.setup(ctx());
    a.observe({ 'val/accuracy': 0.5 });
    a.observe({ 'val/accuracy': 0.4 });
    const state = JSON.parse(JSON.stringify(a.stateDict()));
    const b = new ReduceOnPlateauScheduler({ mode: 'max', monitor: 'val/accuracy', patience: 0 });
    b.loadStateDict(state);
    b.setup(ctx());
    expect(b.lrAt(0)).toBeCloseTo(0.01, 12);
    expect(b.stateDict()).toEqual(a.stateDict());
  });
});
