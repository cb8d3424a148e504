import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import type { Batch, DataLoader, DataModule } from '@kiln/contracts';
import { loadCheckpoint, Sgd, Trainer } from '@kiln/trainer';
import { CsvLogger, LrMonitor, ModelCheckpoint, ProgressBar, readMetricsCsv, TensorBoardLogger } from '../src/index';
import { readEventFile } from '../src/__fixtures__/event-reader';
import { tempRunDir } from '../src/__fixtures__/fake-trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two separable classes of 2×2×1 images, fixed order: class c lights pixel c. */
function loader(n: number, batchSize: number): DataLoader {
  return {
    length: Math.ceil(n / batchSize),
    setEpoch() {},
    async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const images = new Float32Array(size * 4);
        const labels = new Int32Array(size);
        for (let i = 0; i < size; i++) {
          const c = (start + i) % 2;
          labels[i] = c;
          images[i * 4 + c] = 1 + ((start + i) % 3) / 10;
        }
        yield { images, shape: [size, 2, 2, 1], labels, rows: [], paths: [] };
      }
    },
  };
}

const data: DataModule = {
  async setup() {},
  classes: ['a', 'b'],
  numClasses: 2,
  inputShape: [2, 2, 1],
  trainLoader: () => loader(32, 8),
  valLoader: () => loader(16, 8),
  testLoader: () => undefined,
  stateDict: () => ({}),
  loadStateDict() {},
};

const crossEntropy = {
  compute: (logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D) =>
    tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(targets as tf.Tensor1D, 2), logits) as tf.Scalar),
};

async function fit(runDir: string, maxEpochs: number, resume: string | null) {
  seedEverything(3);
  const net = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 2 })] });
  const progress: string[] = [];
  const callbacks = {
    model_checkpoint: new ModelCheckpoint({ saveTopK: 2 }),
    lr_monitor: new LrMonitor(),
    progress_bar: new ProgressBar({}, {}, { stream: { write: (s: string) => progress.push(s) } }),
    csv_logger: new CsvLogger(),
    tensorboard: new TensorBoardLogger({ logEveryNSteps: 2 }),
  };
  try {
    const result = await new Trainer({ maxEpochs, resume }, { runDir }).fit({
      model: { net },
      loss: crossEntropy,
      optimizer: new Sgd({ lr: 0.5 }),
      data,
      callbacks,
    });
    return { result, callbacks, progress };
  } finally {
    net.dispose();
    restoreMathRandom();
  }
}

describe('callbacks with the real Trainer', () => {
  it('write checkpoints, metrics.csv and TensorBoard events, and continue them on resume', async () => {
    const runDir = tempRunDir();
    const first = await fit(runDir, 2, null);
    expect(first.result.bestCheckpointPath).toBe(first.callbacks.model_checkpoint.bestModelPath);
    expect(first.result.lastCheckpointPath).toBe(join(runDir, 'checkpoints', 'last.ckpt'));
    expect(first.progress.filter((l) => l.includes(' done in '))).toHaveLength(2);

    const last = await loadCheckpoint(join(runDir, 'checkpoints', 'last.ckpt'));
    const saved = last.callbacks?.model_checkpoint as { topK: unknown[]; best: { epoch: number } };
    expect(saved.topK).toHaveLength(2);

    const second = await fit(runDir, 4, runDir);
    expect(second.result.resumedFrom).toBe(join(runDir, 'checkpoints', 'last.ckpt'));
    expect(second.result.globalStep).toBe(16);
    expect(second.callbacks.model_checkpoint.topKCheckpoints).toHaveLength(2);
    const ckptFiles = readdirSync(join(runDir, 'checkpoints'));
    expect(ckptFiles).toHaveLength(2 + 2); // top-2, best, last: older top-k files deleted across the resume
    expect(ckptFiles).toContain('best.ckpt');

    const { columns, rows } = readMetricsCsv(join(runDir, 'metrics.csv'));
    expect(columns.slice(0, 2)).toEqual(['epoch', 'step']);
    expect(columns).toEqual(expect.arrayContaining(['lr', 'train/loss', 'train/accuracy', 'val/loss', 'val/accuracy']));
    expect(rows.map((r) => [r.get('epoch'), r.get('step')])).toEqual([
      [0, 4],
      [1, 8],
      [2, 12],
      [3, 16],
    ]);
    expect(rows.every((r) => Number.isFinite(r.get('val/accuracy')))).toBe(true);

    const eventFiles = readdirSync(join(runDir, 'tensorboard')).sort();
    expect(eventFiles.length).toBe(2);
    const resumedEvents = eventFiles.map((f) => readEventFile(join(runDir, 'tensorboard', f))).find((ev) => ev.some((e) => e.sessionStatus === 1));
    expect(resumedEvents?.find((e) => e.sessionStatus === 1)?.step).toBe(8);
  });
});
