import { describe, expect, it } from 'vitest';
import { fakeTrainer, type FakeTrainer, withEpochEnds } from './__fixtures__/fake-trainer';
import { ProgressBar, type ProgressBarOptions } from './progress-bar';

/** A stream that records writes, and a clock advanced by 100 ms per batch of 10 images. */
function setup(isTTY: boolean, options: ProgressBarOptions = {}, trainer: Partial<FakeTrainer> = {}) {
  const writes: string[] = [];
  let ms = 0;
  const bar = withEpochEnds(new ProgressBar(options, {}, { stream: { isTTY, write: (s: string) => writes.push(s) }, now: () => ms }));
  const t = fakeTrainer({ trainBatchesPerEpoch: 4, maxEpochs: 3, ...trainer });
  const epoch = async (losses: number[], val?: Record<string, number>) => {
    await bar.onTrainEpochStart(t);
    losses.forEach((loss, i) => {
      ms += 100;
      t.globalStep += 1;
      bar.onTrainBatchEnd(t, { batchIdx: i, batchSize: 10, loss });
    });
    t.metrics = { ...t.metrics, 'train/loss': losses.reduce((a, b) => a + b) / losses.length };
    await bar.onTrainEpochEnd(t, { 'train/loss': t.metrics['train/loss']! });
    if (val) {
      t.metrics = { ...t.metrics, ...val };
      await bar.onValidationEnd(t, val);
    }
    t.epoch += 1;
  };
  return { bar, writes, t, epoch };
}

describe('progress_bar', () => {
  it('redraws one line with \\r on a TTY, then ends it and prints the epoch summary', async () => {
    const { writes, epoch } = setup(true, { barWidth: 4 });
    await epoch([1, 2, 3, 2], { 'val/loss': 1.5, 'val/accuracy': 0.25 });
    expect(writes).toEqual([
      '\rEpoch 1/3 [#---] 1/4 loss=1.0000 100 img/s ETA 0:00\x1b[K',
      '\rEpoch 1/3 [##--] 2/4 loss=1.5000 100 img/s ETA 0:00\x1b[K',
      '\rEpoch 1/3 [###-] 3/4 loss=2.0000 100 img/s ETA 0:00\x1b[K',
      '\rEpoch 1/3 [####] 4/4 loss=2.0000 100 img/s ETA 0:00\x1b[K',
      '\n',
      'Epoch 1/3 done in 0:00: train/loss=2.0000 val/accuracy=0.2500 val/loss=1.5000\n',
    ]);
  });

  it('shows the latest validation metrics and honours refreshRate on a TTY', async () => {
    const { writes, epoch } = setup(true, { refreshRate: 3, barWidth: 0 }, { trainBatchesPerEpoch: 4 });
    await epoch([1, 1, 1, 1], { 'val/accuracy': 0.5 });
    writes.length = 0;
    await epoch([2, 2, 2, 2], { 'val/accuracy': 0.75 });
    // Step 3 (refresh) and step 4 (last) are drawn; the previous validation accuracy is shown.
    expect(writes.slice(0, 2)).toEqual([
      '\rEpoch 2/3 3/4 loss=2.0000 val/accuracy=0.5000 100 img/s ETA 0:00\x1b[K',
      '\rEpoch 2/3 4/4 loss=2.0000 val/accuracy=0.5000 100 img/s ETA 0:00\x1b[K',
    ]);
  });

  it('prints plain lines every logEvery batches without a TTY (and computes ETA)', async () => {
    const { writes, epoch } = setup(false, { logEvery: 2 }, { trainBatchesPerEpoch: 40, valBatchesPerEpoch: 0 });
    await epoch(Array.from({ length: 40 }, () => 0.5));
    expect(writes.every((w) => !w.includes('\r') && w.endsWith('\n'))).toBe(true);
    expect(writes).toHaveLength(20 + 1); // every 2nd of 40 batches, then the summary (no validation)
    expect(writes[0]).toBe('Epoch 1/3 2/40 loss=0.5000 100 img/s ETA 0:04\n'); // 38 batches left × 0.1 s
    expect(writes[20]).toBe('Epoch 1/3 done in 0:04: train/loss=0.5000\n');
  });

  it('defaults to about ten lines per epoch without a TTY', async () => {
    const { writes, epoch } = setup(false, {}, { trainBatchesPerEpoch: 50 });
    await epoch(Array.from({ length: 50 }, () => 1), { 'val/loss': 1 });
    expect(writes.filter((w) => w.includes('/50 '))).toHaveLength(10);
  });

  it('redraws the bar below lines the trainer logs mid-epoch, until the fit ends', async () => {
    const { bar, writes, t } = setup(true, { barWidth: 0 });
    bar.onFitStart(t);
    await bar.onTrainEpochStart(t);
    bar.onTrainBatchEnd(t, { batchIdx: 0, batchSize: 10, loss: 1 });
    t.logger.info('epoch 0 step 1: loss=1'); // the console sink would have ended the bar's line
    const drawn = '\rEpoch 1/3 1/4 loss=1.0000 ? img/s ETA ?\x1b[K';
    expect(writes).toEqual([drawn, drawn]);
    await bar.onFitEnd(t);
    t.logger.info('after the fit');
    expect(writes.filter((w) => w === drawn)).toHaveLength(2);
  });

  it('prints nothing off rank 0 and ends a live bar before an error', async () => {
    const quiet = setup(true, {}, { isGlobalZero: false });
    await quiet.epoch([1, 1, 1, 1], { 'val/loss': 1 });
    expect(quiet.writes).toEqual([]);

    const { bar, writes, t } = setup(true);
    await bar.onTrainEpochStart(t);
    bar.onTrainBatchEnd(t, { batchIdx: 0, batchSize: 10, loss: 1 });
    bar.onException(t, new Error('boom'));
    expect(writes.at(-1)).toBe('\n');
    bar.onException(t, new Error('again'));
    expect(writes.filter((w) => w === '\n')).toHaveLength(1);
  });
});
