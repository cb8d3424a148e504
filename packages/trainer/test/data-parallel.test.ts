import * as tf from '@tensorflow/tfjs';
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
});
