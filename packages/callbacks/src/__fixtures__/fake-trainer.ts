import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Logger, memorySink, type LogRecord } from '@kiln/core';
import type { TrainerView } from '@kiln/trainer';
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
