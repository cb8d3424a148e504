import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeTrainer, messages, tempRunDir, type FakeTrainer, type Driven, withEpochEnds } from './__fixtures__/fake-trainer';
import { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint';

/** Runs `scores.length` epochs, each ending with validation reporting `monitor = score`. */
async function runEpochs(cb: Driven<ModelCheckpoint>, t: FakeTrainer, scores: number[], monitor = 'val/accuracy') {
  await cb.onFitStart(t);
  for (const score of scores) {
    t.globalStep += 10;
    t.metrics = { ...t.metrics, [monitor]: score };
    await cb.onTrainEpochEnd(t, {});
    await cb.onValidationEnd(t, { [monitor]: score });
    t.epoch += 1;
  }
}

const ckptFiles = (runDir: string) => readdirSync(join(runDir, 'checkpoints')).sort();
const savedEpoch = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { epoch: number }).epoch;

describe('model_checkpoint', () => {
  it('keeps the top 2 (max), best.ckpt and last.ckpt, deleting files that fell out', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const cb = withEpochEnds(new ModelCheckpoint({ saveTopK: 2 }));
    await runEpochs(cb, t, [0.5, 0.7, 0.6, 0.9, 0.1]);

    expect(ckptFiles(runDir)).toEqual([
      'best.ckpt',
      'epoch=001-val_accuracy=0.7000.ckpt',
      'epoch=003-val_accuracy=0.9000.ckpt',
      'last.ckpt',
    ]);
    expect(savedEpoch(join(runDir, 'checkpoints', 'best.ckpt'))).toBe(3);
    expect(savedEpoch(join(runDir, 'checkpoints', 'last.ckpt'))).toBe(4);
    expect(cb.bestModelScore).toBe(0.9);
    expect(cb.bestModelPath).toBe(join(runDir, 'checkpoints', 'epoch=003-val_accuracy=0.9000.ckpt'));
    expect(cb.lastModelPath).toBe(join(runDir, 'checkpoints', 'last.ckpt'));
    expect(cb.topKCheckpoints.map((r) => r.score)).toEqual([0.9, 0.7]);
    expect(messages(t, 'INFO').filter((m) => m.includes('new best'))).toHaveLength(3); // 0.5, 0.7, 0.9
  });

  it('ranks by min for a loss and honours a custom filename', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const cb = withEpochEnds(new ModelCheckpoint({ monitor: 'val/loss', mode: 'min', saveTopK: 1, filename: 'e{epoch}-{val/loss:.2f}' }));
    await runEpochs(cb, t, [0.9, 0.4, 0.6], 'val/loss');
    expect(ckptFiles(runDir)).toEqual(['best.ckpt', 'e1-0.40.ckpt', 'last.ckpt']);
    expect(cb.bestModelScore).toBe(0.4);
    expect(savedEpoch(join(runDir, 'checkpoints', 'best.ckpt'))).toBe(1);
  });

  it('never saves NaN as best or top-k, and warns naming the metric', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const cb = withEpochEnds(new ModelCheckpoint({ saveTopK: 3 }));
    await runEpochs(cb, t, [NaN, 0.2, NaN, Infinity]);
    expect(cb.bestModelScore).toBe(0.2);
    expect(cb.topKCheckpoints).toHaveLength(1);
    expect(ckptFiles(runDir)).toEqual(['best.ckpt', 'epoch=001-val_accuracy=0.2000.ckpt', 'last.ckpt']);
    expect(messages(t, 'WARN').filter((m) => m.includes('val/accuracy=NaN'))).toHaveLength(2);
  });

  it('saveTopK -1 keeps all, 0 keeps none but last', async () => {
    const all = tempRunDir();
    await runEpochs(withEpochEnds(new ModelCheckpoint({ saveTopK: -1 })), fakeTrainer({ runDir: all }), [0.3, 0.2, 0.1]);
    expect(ckptFiles(all)).toHaveLength(3 + 2);
    const none = tempRunDir();
    const cb = withEpochEnds(new ModelCheckpoint({ saveTopK: 0 }));
    await runEpochs(cb, fakeTrainer({ runDir: none }), [0.3, 0.2]);
    expect(ckptFiles(none)).toEqual(['last.ckpt']);
    expect(cb.bestModelScore).toBeUndefined();
  });

  it('saves at train epoch end when the run has no validation data', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, valBatchesPerEpoch: 0, metrics: { 'train/loss': 1.5 } });
    const cb = withEpochEnds(new ModelCheckpoint({ monitor: 'train/loss', mode: 'min' }));
    await cb.onTrainEpochEnd(t, { 'train/loss': 1.5 });
    expect(ckptFiles(runDir)).toEqual(['best.ckpt', 'epoch=000-train_loss=1.5000.ckpt', 'last.ckpt']);
  });

  it('warns once when the monitored metric is missing and still saves last.ckpt', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const cb = withEpochEnds(new ModelCheckpoint({ monitor: 'val/f1' }));
    await cb.onValidationEnd(t, { 'val/loss': 1 });
    await cb.onValidationEnd(t, { 'val/loss': 1 });
    expect(ckptFiles(runDir)).toEqual(['last.ckpt']);
    const warnings = messages(t, 'WARN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("'val/f1'");
    expect(warnings[0]).toContain('val/loss');
  });

  it('writes nothing without a run dir or off rank 0, but tracks the same state', async () => {
    for (const overrides of [{ runDir: undefined }, { runDir: tempRunDir(), isGlobalZero: false }]) {
      const t = fakeTrainer(overrides);
      const cb = withEpochEnds(new ModelCheckpoint());
      await runEpochs(cb, t, [0.1, 0.3]);
      expect(t.saved).toEqual([]);
      expect(cb.bestModelScore).toBe(0.3);
      if (overrides.runDir) expect(existsSync(join(overrides.runDir, 'checkpoints'))).toBe(false);
    }
  });

  it('considers top-k only every N epochs', async () => {
    const runDir = tempRunDir();
    const cb = withEpochEnds(new ModelCheckpoint({ everyEpoch: 2, saveTopK: -1 }));
    await runEpochs(cb, fakeTrainer({ runDir }), [0.1, 0.2, 0.3, 0.4]);
    expect(cb.topKCheckpoints.map((r) => r.epoch)).toEqual([3, 1]);
  });

  it('resumes from its state dict: the top-k and best continue, and the checkpoint already records itself', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const first = withEpochEnds(new ModelCheckpoint({ saveTopK: 2 }));
    let stateInBest: Record<string, unknown> | undefined;
    const save = t.saveCheckpoint;
    t.saveCheckpoint = async (path) => {
      if (path.endsWith('best.ckpt')) stateInBest = structuredClone(first.stateDict());
      await save(path);
    };
    await runEpochs(first, t, [0.5, 0.8]);
    expect(stateInBest).toMatchObject({ best: { score: 0.8, epoch: 1 } });
    const state = JSON.parse(JSON.stringify(first.stateDict())) as Record<string, unknown>;

    const resumed = withEpochEnds(new ModelCheckpoint({ saveTopK: 2 }));
    resumed.loadStateDict(state);
    expect(resumed.bestModelScore).toBe(0.8);
    resumed.onFitStart(t);
    expect(resumed.bestModelPath).toBe(join(runDir, 'checkpoints', 'epoch=001-val_accuracy=0.8000.ckpt'));
    await runEpochs(resumed, t, [0.6, 0.7]); // epochs 2, 3: 0.7 enters, 0.5 and then 0.6 drop out
    expect(resumed.bestModelScore).toBe(0.8);
    expect(resumed.topKCheckpoints.map((r) => r.score)).toEqual([0.8, 0.7]);
    expect(ckptFiles(runDir)).toEqual([
      'best.ckpt',
      'epoch=001-val_accuracy=0.8000.ckpt',
      'epoch=003-val_accuracy=0.7000.ckpt',
      'last.ckpt',
    ]);
    expect(savedEpoch(join(runDir, 'checkpoints', 'best.ckpt'))).toBe(1);
  });

  it('starts ranking afresh when the resumed state monitored another metric, and says so', async () => {
    const state = new ModelCheckpoint({ monitor: 'val/loss', mode: 'min' }).stateDict();
    const cb = withEpochEnds(new ModelCheckpoint());
    cb.loadStateDict({ ...state, best: { file: 'x.ckpt', score: 0.1, epoch: 0, step: 1 } });
    // Without an own monitor it ranks by the trainer's, known at fit start.
    const t = fakeTrainer();
    cb.onFitStart(t);
    expect(cb.bestModelScore).toBeUndefined();
    expect(messages(t, 'WARN')[0]).toMatch(/val\/loss.*val\/accuracy/);
    const own = withEpochEnds(new ModelCheckpoint({ monitor: 'val/accuracy' }));
    own.loadStateDict({ ...state, best: { file: 'x.ckpt', score: 0.1, epoch: 0, step: 1 } });
    expect(own.bestModelScore).toBeUndefined();
  });

  it("ranks by the trainer's monitor and mode when it has none of its own (configured once)", async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, monitor: 'val/loss', monitorMode: 'min' });
    const cb = withEpochEnds(new ModelCheckpoint({ saveTopK: 1 }));
    await runEpochs(cb, t, [0.5, 0.2, 0.4], 'val/loss');
    expect(cb.bestModelScore).toBe(0.2);
    expect(cb.stateDict()).toMatchObject({ monitor: 'val/loss', mode: 'min' });
  });

  it('rejects unknown options and bad patterns', () => {
    expect(() => new ModelCheckpoint({ saveTopk: 2 } as unknown as ModelCheckpointOptions)).toThrow();
    expect(() => new ModelCheckpoint({ filename: 'a{epoch' })).toThrow(/filename pattern/);
  });
});
