// Under mpirun (or alone): Kiln's own trainer — the config-built run `kiln train` assembles — on the
// shapes data with an MLP, through @kiln/mpi's communicator as the run's communicator. Times every
// optimizer step after the first epoch (warm-up) and the gradient all-reduce inside it.
// Args: GLOBAL_BATCH EPOCHS BACKEND
import { join } from 'node:path';
import type { Communicator } from '@kiln/contracts';
import { composeConfig, createRunContainer, silentLogger } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import { createMpiCommunicator, detectMpiWorld } from '@kiln/mpi';
import { assembleRun } from '@kiln/trainer';
import { availableParallelism } from 'node:os';
import { registerAll } from '@kiln/cli/registry';

/** Sums the time spent in gradient all-reduces while `on`. */
class TimedCommunicator implements Communicator {
  on = false;
  ms = 0;
  calls = 0;
  constructor(private readonly inner: Communicator) {}
  get rank(): number {
    return this.inner.rank;
  }
  get worldSize(): number {
    return this.inner.worldSize;
  }
  async allReduceMean(arrays: Float32Array[]): Promise<Float32Array[]> {
    const t0 = performance.now();
    const out = await this.inner.allReduceMean(arrays);
    if (this.on) {
      this.ms += performance.now() - t0;
      this.calls++;
    }
    return out;
  }
  allReduceSum(arrays: Float32Array[]): Promise<Float32Array[]> {
    return this.inner.allReduceSum(arrays);
  }
  broadcast(arrays: Float32Array[], root?: number): Promise<Float32Array[]> {
    return this.inner.broadcast(arrays, root);
  }
  barrier(): Promise<void> {
    return this.inner.barrier();
  }
  allGather<T = number>(value: T[]): Promise<T[][]> {
    return this.inner.allGather(value);
  }
}

async function main(): Promise<void> {
  const [globalBatch, epochs] = process.argv.slice(2, 4).map(Number);
  const backend = process.argv[4] ?? 'native';
  const world = detectMpiWorld();
  const comm = new TimedCommunicator(createMpiCommunicator());
  const { config } = composeConfig({
    configDir: join(__dirname, '../../configs'),
    overrides: [
      'data.trainPerClass=107', // 642 samples: 10 global batches of 64 per epoch
      'data.valPerClass=2',
      'data.testPerClass=2',
      `data.batchSize=${globalBatch}`,
      'data.augmentation.transforms=[]',
      'model=mlp',
      'model.hidden=[512,512]',
      'model.dropout=0',
      'optimizer=sgd',
      'scheduler=none',
      'callbacks=none',
      `trainer.maxEpochs=${epochs}`,
      'trainer.checkValEveryNEpoch=1000',
      'trainer.limitValBatches=1',
      'trainer.limitTrainBatches=10',
    ],
  });
  const local = world?.localSize ?? 1;
  const engine = await initEngine({ backend, ...(local > 1 ? { threads: Math.max(1, Math.floor(availableParallelism() / local)) } : {}) });
  const run = createRunContainer({ config, registries: registerAll(), logger: silentLogger, communicator: comm, engine });
  const { trainer, ...parts } = await assembleRun(run);
  let last = 0;
  let stepMs = 0;
  let steps = 0;
  const timer = {
    onTrainEpochStart: (t: { epoch: number }) => {
      comm.on = t.epoch >= 1;
      last = performance.now();
    },
    onTrainBatchEnd: () => {
      const now = performance.now();
      if (comm.on) {
        stepMs += now - last;
        steps++;
      }
      last = now;
    },
  };
  await trainer.fit({ ...parts, callbacks: { ...parts.callbacks, timer } });
  // The slowest rank sets the pace: report the per-rank maximum.
  const all = await comm.allGather([stepMs / steps, comm.ms / steps]);
  const step = Math.max(...all.map((r) => r[0]));
  const commMs = Math.max(...all.map((r) => r[1]));
  if (comm.rank === 0) {
    const params = parts.model.net.countParams();
    console.log(JSON.stringify({ ranks: comm.worldSize, params, globalBatch, backend: engine.backend, steps, computeMs: step - commMs, commMs, allReduceCallsPerStep: comm.calls / steps }));
  }
  await comm.barrier();
  run.dispose();
}

void main();
