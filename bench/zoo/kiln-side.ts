/**
 * One zoo model on Kiln, in its own process (so peak RSS is its own): the trainer's step
 * (cross-entropy from @kiln/losses, tf.variableGrads over the trainable variables, the
 * trainer's Adam) at batch 64, then inference at batch 256. Prints one JSON line.
 *   npx tsx bench/zoo/kiln-side.ts --model=vit_tiny [--seconds=1] [--windows=5] [--backend=native] [--tf-grads] [--precision=bf16|bf16-emulated]
 */
import * as tf from '@tensorflow/tfjs';
import { silentLogger } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import { countParams } from '@kiln/models';
import { enterPrecision } from '@kiln/trainer';
import { flag, measure, peakRssMb } from './measure';
import { buildZooNet, zooTrainStep } from './zoo-step';

const INPUT: [number, number, number] = [32, 32, 3];
const CLASSES = 6;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const name = flag(args, 'model', 'mlp');
  const timing = { seconds: Number(flag(args, 'seconds', '1')), windows: Number(flag(args, 'windows', '5')) };
  const engine = await initEngine({ backend: flag(args, 'backend', 'native'), prodMode: true });
  // The model's default config as a user gets it: configs/model/<name>.yaml.
  const net = buildZooNet(name, INPUT, CLASSES);
  // --precision: what trainer.precision=bf16-mixed sets (bf16-emulated: KILN_PRECISION_EMULATE=1's path)
  const precision = flag(args, 'precision', 'fp32');
  if (precision !== 'fp32') enterPrecision('bf16-mixed', { logger: silentLogger, env: { KILN_PRECISION_EMULATE: precision === 'bf16-emulated' ? '1' : '' } });
  const params = countParams(net);

  const x = tf.randomNormal([64, ...INPUT], 0, 1, 'float32', 1);
  const y = tf.randomUniform([64], 0, CLASSES, 'int32', 2) as tf.Tensor1D;
  // the trainer's own gradient path, @kiln/models' variableGradsReleasing (frees the tape as the backward pass goes); --tf-grads: plain tf.variableGrads
  const step = zooTrainStep(net, x, y, { tfGrads: args.includes('--tf-grads') });
  step(); // warm-up; creates the optimizer's slots
  step();
  const before = tf.memory().numTensors;
  const train = measure(step, 64, { ...timing, warmup: 0 });
  const leaked = tf.memory().numTensors - before;
  const trainRss = peakRssMb();

  const xi = tf.randomNormal([256, ...INPUT], 0, 1, 'float32', 3);
  const infer = measure(() => tf.tidy(() => (net.apply(xi, { training: false }) as tf.Tensor).dataSync()), 256, { ...timing, warmup: 1 });
  console.log(
    JSON.stringify({
      side: 'kiln', model: name, backend: engine.backend, precision, params: params.trainable, buffers: params.nonTrainable,
      train: train.median, trainWindows: train.windows, infer: infer.median, inferWindows: infer.windows,
      trainRssMb: trainRss, peakRssMb: peakRssMb(), leakedTensorsPerRun: leaked,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
