// Under mpirun: data-parallel SGD steps of an MLP on synthetic data through Kiln's
// MpiCommunicator, timing compute (forward + backward + reading the gradients) and
// communication (the fused all-reduce) separately. Args: GLOBAL_BATCH STEPS
import * as tf from '@tensorflow/tfjs';
import { createMpiCommunicator } from '@kiln/mpi';

const SIZES = [784, 512, 512, 10];

async function main(): Promise<void> {
  const [globalBatch, steps] = process.argv.slice(2).map(Number);
  await tf.setBackend('cpu');
  const comm = createMpiCommunicator();
  const shard = globalBatch / comm.worldSize;
  const vars: tf.Variable[] = [];
  for (let i = 0; i + 1 < SIZES.length; i++) {
    vars.push(tf.variable(tf.randomNormal([SIZES[i], SIZES[i + 1]], 0, 0.05, 'float32', 1 + i)));
    vars.push(tf.variable(tf.zeros([SIZES[i + 1]])));
  }
  const synced = await comm.broadcast(await Promise.all(vars.map(async (v) => Float32Array.from((await v.data()) as Float32Array))), 0);
  vars.forEach((v, i) => v.assign(tf.tensor(synced[i], v.shape)));
  const x = tf.randomUniform([shard, SIZES[0]], 0, 1, 'float32', 100 + comm.rank);
  const y = tf.oneHot(tf.randomUniform([shard], 0, SIZES.at(-1) as number, 'int32', 200 + comm.rank), SIZES.at(-1) as number);
  let compute = 0;
  let communicate = 0;
  const params = vars.reduce((s, v) => s + v.size, 0);
  for (let step = -2; step < steps; step++) {
    const t0 = performance.now();
    const { grads } = tf.tidy(() =>
      tf.variableGrads(() => {
        let h: tf.Tensor = x;
        for (let i = 0; i < vars.length; i += 2) {
          h = tf.add(tf.matMul(h as tf.Tensor2D, vars[i] as tf.Variable<tf.Rank.R2>), vars[i + 1]);
          if (i + 2 < vars.length) h = tf.relu(h);
        }
        return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
      }, vars),
    );
    const local = await Promise.all(vars.map(async (v) => Float32Array.from((await grads[v.name].data()) as Float32Array)));
    tf.dispose(Object.values(grads));
    const t1 = performance.now();
    const averaged = await comm.allReduceMean(local);
    const t2 = performance.now();
    vars.forEach((v, i) => tf.tidy(() => v.assign(tf.sub(v, tf.mul(tf.tensor(averaged[i], v.shape), 0.01)))));
    if (step >= 0) {
      compute += t1 - t0;
      communicate += t2 - t1;
    }
  }
  // The slowest rank sets the pace: report the per-rank maximum.
  const [c, m] = await comm.allGather([compute / steps, communicate / steps]).then((all) => [0, 1].map((k) => Math.max(...all.map((r) => r[k]))));
  if (comm.rank === 0) console.log(JSON.stringify({ ranks: comm.worldSize, params, globalBatch, computeMs: c, commMs: m }));
  await comm.close();
}

void main();
