import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Callback, type TrainerView } from '@kiln/contracts';
import { averageRunningStats } from '../src/distributed';
import { WeightEma } from '../src/ema';
import { Sgd } from '../src/optimizers/sgd';
import { Trainer } from '../src/trainer';
import type { Communicator } from '@kiln/contracts';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';
import { expectSameWeights, weightsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** In-process communicators for `world` ranks: each collective waits for every rank. */
function makeGroup(world: number): Communicator[] {
  let round: { inputs: Float32Array[][]; resolvers: Array<(v: Float32Array[][]) => void> } = { inputs: [], resolvers: [] };
  const collective = (rank: number, arrays: Float32Array[]) =>
    new Promise<Float32Array[][]>((resolve) => {
      round.inputs[rank] = arrays.map((a) => Float32Array.from(a));
      round.resolvers.push(resolve);
      if (round.resolvers.length === world) {
        const done = round;
        round = { inputs: [], resolvers: [] };
        for (const r of done.resolvers) r(done.inputs);
      }
    });
  return Array.from({ length: world }, (_, rank) => ({
    rank,
    worldSize: world,
    async allReduceMean(arrays: Float32Array[]) {
      const all = await collective(rank, arrays);
      return arrays.map((a, i) => Float32Array.from(a, (_, j) => all.reduce((s, r) => s + r[i][j], 0) / world));
    },
    async allReduceSum(arrays: Float32Array[]) {
      const all = await collective(rank, arrays);
      return arrays.map((a, i) => Float32Array.from(a, (_, j) => all.reduce((s, r) => s + r[i][j], 0)));
    },
    async allGather<T>(value: T[]) {
      // Rides on the array collective: every rank's list, by rank (values here are Float32Arrays).
      return (await collective(rank, value as unknown as Float32Array[])) as unknown as T[][];
    },
    async broadcast(arrays: Float32Array[]) {
      return (await collective(rank, arrays))[0];
    },
    async barrier() {
      await collective(rank, []);
    },
  }));
}

class Seen extends Callback {
  metrics: Record<string, number> = {};
  globalZero: boolean[] = [];
  override onValidationEnd(t: TrainerView, m: Record<string, number>) {
    this.metrics = m;
    this.globalZero.push(t.isGlobalZero);
  }
}

describe('data parallel', () => {
  it('2 ranks on half-batches reach the same weights and metrics as 1 process on full batches', async () => {
    const single = tinyModel();
    const init = single.net.getWeights().map((w) => w.clone());
    const seenSingle = new Seen();
    await new Trainer({ maxEpochs: 2 }).fit({ model: single, loss: crossEntropy, optimizer: new Sgd({ lr: 0.2, momentum: 0.9 }), data: new FakeDataModule(), callbacks: [seenSingle] });

    const comms = makeGroup(2);
    const ranks = comms.map(() => tinyModel());
    ranks[0].net.setWeights(init); // rank 1 keeps its own init: the broadcast must overwrite it
    const seen = comms.map(() => new Seen());
    await Promise.all(
      comms.map((communicator, r) =>
        new Trainer({ maxEpochs: 2 }).fit({
          model: ranks[r],
          loss: crossEntropy,
          optimizer: new Sgd({ lr: 0.2, momentum: 0.9 }),
          data: new FakeDataModule(),
          callbacks: [seen[r]],
          communicator,
        }),
      ),
    );
    expectSameWeights(weightsOf(ranks[0].net), weightsOf(single.net), 1e-5);
    expectSameWeights(weightsOf(ranks[1].net), weightsOf(single.net), 1e-5);
    expect(seen[0].metrics['val/accuracy']).toBeCloseTo(seenSingle.metrics['val/accuracy'], 6);
    expect(seen[1].metrics['val/loss']).toBeCloseTo(seenSingle.metrics['val/loss'], 5);
    expect(seen[0].globalZero[0]).toBe(true);
    expect(seen[1].globalZero[0]).toBe(false);
  });

  it('averages BatchNorm running statistics over ranks at every epoch end (validation and checkpoints see one set)', async () => {
    const bnModel = () => {
      const net = tf.sequential();
      net.add(tf.layers.flatten({ inputShape: [4, 4, 1] }));
      net.add(tf.layers.batchNormalization({ momentum: 0.5 }));
      net.add(tf.layers.dense({ units: 3 }));
      return { net, summary: () => 'bn' };
    };
    const stats = (net: tf.LayersModel) => net.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    const comms = makeGroup(2);
    const ranks = comms.map(() => bnModel());
    const initial = stats(ranks[0].net);
    await Promise.all(
      comms.map((communicator, r) =>
        new Trainer({ maxEpochs: 1 }).fit({
          model: ranks[r], loss: crossEntropy, optimizer: new Sgd({ lr: 0.1 }), data: new FakeDataModule(), communicator,
        }),
      ),
    );
    // Each rank normalised its own half of every batch; after the epoch both hold the same statistics.
    expect(stats(ranks[0].net)).not.toEqual(initial);
    expect(stats(ranks[1].net)).toEqual(stats(ranks[0].net));
  });

  it('averageRunningStats: running statistics and their EMA shadows become the mean over ranks; trainable and frozen weights stay', async () => {
    const build = (r: number) => {
      const net = tf.sequential();
      net.add(tf.layers.dense({ inputShape: [3], units: 2, trainable: false, kernelInitializer: tf.initializers.constant({ value: r + 1 }) }));
      net.add(tf.layers.batchNormalization());
      // rank r's statistics: moving_mean = r + 1, moving_variance = 2(r + 1)
      const bn = net.layers[1];
      bn.setWeights(bn.getWeights().map((w, i) => (i < 2 ? w : tf.fill(w.shape, (i - 1) * (r + 1)))));
      return net;
    };
    const nets = [build(0), build(1)];
    const emas = nets.map((n) => new WeightEma(n, 0.9));
    // the shadows of the statistics differ from the live values: 10× them
    emas.forEach((e, r) => nets[r].weights.forEach((w, i) => e.shadowAt(i).assign(tf.mul(w.read(), 10))));
    const comms = makeGroup(2);
    await Promise.all(comms.map((c, r) => averageRunningStats(nets[r], c, emas[r])));
    const byName = (net: tf.LayersModel, re: RegExp) => net.weights.filter((w) => re.test(w.originalName)).map((w) => Array.from(w.read().dataSync()));
    for (const net of nets) {
      expect(byName(net, /moving_mean/)).toEqual([[1.5, 1.5]]);
      expect(byName(net, /moving_variance/)).toEqual([[3, 3]]);
    }
    expect(byName(nets[1], /dense.*kernel/)[0].every((v) => v === 2)).toBe(true); // frozen: not averaged
    for (const [r, e] of emas.entries()) {
      const shadows = nets[r].weights.map((w, i) => [w.originalName, Array.from(e.shadowAt(i).dataSync())] as const);
      expect(shadows.find(([n]) => /moving_mean/.test(n))![1]).toEqual([15, 15]);
      expect(shadows.find(([n]) => /gamma/.test(n))![1]).toEqual([10, 10]); // trainable: untouched
    }
  });

  it('ranks that would resume from different positions fail at start with a clear error (no hang)', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'kiln-dp-resume-'));
    const ckpt = join(runDir, 'last.ckpt');
    class SaveAtEnd extends Callback {
      override async onFitEnd(t: TrainerView) {
        await t.saveCheckpoint(ckpt);
      }
    }
    await new Trainer({ maxEpochs: 1 }, { runDir }).fit({
      model: tinyModel(),
      loss: crossEntropy,
      optimizer: new Sgd({ lr: 0.2 }),
      data: new FakeDataModule(),
      callbacks: [new SaveAtEnd()],
    });
    const comms = makeGroup(2);
    const results = await Promise.allSettled(
      comms.map((communicator, r) =>
        // Rank 1 finds the checkpoint, rank 0 does not (as on hosts without a shared filesystem).
        new Trainer({ maxEpochs: 2, resume: r === 1 ? ckpt : null }).fit({
          model: tinyModel(),
          loss: crossEntropy,
          optimizer: new Sgd({ lr: 0.2 }),
          data: new FakeDataModule(),
          communicator,
        }),
      ),
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/rank 1 would start at step \d+ \(epoch 1\) but rank 0 at step 0 \(epoch 0\).*shared filesystem/);
    }
  });
});
