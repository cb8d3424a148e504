/** Compares one batch's simple_cnn gradients between the cpu backend and the engine's backend (see README: Bench). */
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '@kiln/engine';
import { seedEverything } from '@kiln/core';
import { SimpleCnn } from '@kiln/models';

async function grads(backend: string, weights: tf.Tensor[], x: Float32Array, y: Int32Array) {
  await tf.setBackend(backend);
  const m = new SimpleCnn({ numClasses: 6, inputShape: [32, 32, 3], dropout: Number(process.env.DROPOUT ?? 0) });
  seedEverything(1);
  m.net.setWeights(weights.map((w) => tf.tensor(w.dataSync(), w.shape)));
  const vars = m.net.trainableWeights.map((w) => w.read() as tf.Variable);
  const r = tf.variableGrads(() => {
    const logits = m.net.apply(tf.tensor4d(x, [8, 32, 32, 3]), { training: true }) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), 6), logits) as tf.Scalar;
  }, vars);
  return { loss: r.value.dataSync()[0], g: vars.map((v) => ({ name: v.name, data: r.grads[v.name].dataSync() as Float32Array })) };
}

async function main() {
  const info = await initEngine({ backend: (process.argv[2] ?? 'auto') as 'auto' });
  const native = tf.getBackend();
  await tf.setBackend('cpu');
  const ref = new SimpleCnn({ numClasses: 6, inputShape: [32, 32, 3], dropout: 0 });
  const weights = ref.net.getWeights();
  const x = Float32Array.from({ length: 8 * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from([0, 1, 2, 3, 4, 5, 0, 1]);
  const a = await grads('cpu', weights, x, y);
  const b = await grads(native, weights, x, y);
  console.log(`backend ${native} (${info.backend}); loss cpu ${a.loss} vs ${b.loss}`);
  a.g.forEach((ga, i) => {
    const gb = b.g[i].data;
    let maxDiff = 0;
    let maxAbs = 0;
    for (let j = 0; j < ga.data.length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(ga.data[j] - gb[j]));
      maxAbs = Math.max(maxAbs, Math.abs(ga.data[j]));
    }
    console.log(`${ga.name.padEnd(40)} max|g|=${maxAbs.toExponential(2)} maxdiff=${maxDiff.toExponential(2)}`);
  });
}
main();
