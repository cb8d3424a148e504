import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Logger, memorySink, type LogRecord } from '@kiln/core';
import type { Callback, EpochEnd, TrainerView } from '@kiln/contracts';
import { freshMetrics } from '../epoch-end';
import { onTestFinished } from 'vitest';

export interface FakeTrainer extends TrainerView {
  epoch: number;
  globalStep: number;
  maxEpochs: number;
  trainBatchesPerEpoch: number;
  valBatchesPerEpoch: number;
  metrics: Record<string, number>;
  learningRate: number;
  runDir: string | undefined;
  isGlobalZero: boolean;
  weights: Map<string, Float32Array>;
  /** Every path passed to saveCheckpoint, in order. */
  saved: string[];
  records: LogRecord[];
}

/** A plain TrainerView; saveCheckpoint writes a small file recording epoch and step. */
export function fakeTrainer(overrides: Partial<FakeTrainer> = {}): FakeTrainer {
  const sink = memorySink();
  const t: FakeTrainer = {
    epoch: 0,
    globalStep: 0,
    maxEpochs: 10,
    maxSteps: undefined,
    trainBatchesPerEpoch: 10,
    valBatchesPerEpoch: 2,
    metrics: {},
    learningRate: 0.001,
    monitor: 'val/accuracy',
    monitorMode: 'max',
    runDir: undefined,
    isGlobalZero: true,
    logger: new Logger({ level: 'DEBUG', sinks: [sink] }),
    shouldStop: false,
    weights: new Map([['dense/kernel', new Float32Array([0, 0])]]),
    saved: [],
    records: sink.records,
    async saveCheckpoint(path: string) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify({ epoch: t.epoch, step: t.globalStep }));
      t.saved.push(path);
    },
    getWeights() {
      return new Map([...t.weights].map(([k, v]) => [k, v.slice()]));
    },
    setWeights(weights) {
      t.weights = new Map([...weights].map(([k, v]) => [k, v.slice()]));
    },
    ...overrides,
  };
  return t;
}

/** A fresh temp folder, removed when the current test finishes. */
export function tempRunDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-callbacks-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function messages(t: FakeTrainer, level?: LogRecord['level']): string[] {
  return t.records.filter((r) => !level || r.level === level).map((r) => r.message);
}

/**
 * Makes a callback's hooks also deliver `onEpochEnd` the way the trainer's loop does, for tests
 * that drive hooks by hand: after validation, at train end when there is no validation data,
 * or (an epoch that skipped validation) before the next epoch starts and at fit end.
 */
export function withEpochEnds<C extends Callback>(cb: C): C & Required<Pick<Callback, DrivenHook>> {
  let pending: EpochEnd | undefined;
  const emit = async (t: TrainerView) => {
    const record = pending;
    pending = undefined;
    if (record) await cb.onEpochEnd?.(t, record);
  };
  const hooks = cb as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = (name: string) => (cb as unknown as Record<string, unknown>)[name] as ((...a: unknown[]) => unknown) | undefined;
  const start = original('onTrainEpochStart');
  const trainEnd = original('onTrainEpochEnd');
  const valEnd = original('onValidationEnd');
  const fitEnd = original('onFitEnd');
  hooks.onTrainEpochStart = async (t) => {
    await emit(t as TrainerView);
    await start?.call(cb, t);
  };
  hooks.onTrainEpochEnd = async (t, metrics) => {
    await trainEnd?.call(cb, t, metrics);
    const view = t as TrainerView;
    pending = { epoch: view.epoch, step: view.globalStep, metrics: { ...freshMetrics(view), ...withoutCounters(metrics as Record<string, number>) }, validated: false };
    if (view.valBatchesPerEpoch === 0) await emit(view);
  };
  hooks.onValidationEnd = async (t, metrics) => {
    await valEnd?.call(cb, t, metrics);
    const view = t as TrainerView;
    const base = pending ?? { epoch: view.epoch, step: view.globalStep, metrics: freshMetrics(view), validated: false };
    pending = { ...base, metrics: { ...base.metrics, ...withoutCounters(metrics as Record<string, number>) }, validated: true };
    await emit(view);
  };
  hooks.onFitEnd = async (t) => {
    await emit(t as TrainerView);
    await fitEnd?.call(cb, t);
  };
  return cb as C & Required<Pick<Callback, DrivenHook>>;
}

/** A callback whose hand-driven hooks are always there (`withEpochEnds` adds them). */
export type Driven<C extends Callback> = C & Required<Pick<Callback, DrivenHook>>;

type DrivenHook = 'onTrainEpochStart' | 'onTrainEpochEnd' | 'onValidationEnd' | 'onFitEnd';

function withoutCounters(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([k]) => k !== 'epoch' && k !== 'step'));
}
