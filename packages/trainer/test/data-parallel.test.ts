import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Callback, type TrainerView } from '@kiln/contracts';
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
