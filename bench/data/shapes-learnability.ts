/**
 * Checks that the built-in shapes dataset is learnable: trains the built-in simple_cnn (tfjs; the native backend from @kiln/backend-native when built, else
 * cpu backend) on the shapes loader for a few epochs and prints validation accuracy per epoch.
 *   [MODEL=simple_cnn|small] [LR=1e-3] [DROPOUT=0.25] npx tsx bench/data/shapes-learnability.ts [epochs=5] [backend=native|cpu]
 * (uses the built dist/ of the @kiln packages: run `npx tsc -b packages/data/tsconfig.lib.json` first)
 */
import * as tf from '@tensorflow/tfjs';
import { registerNativeBackend } from '@kiln/backend-native';
import { ShapesDataModule, type Batch } from '@kiln/data';
import { SimpleCnn } from '@kiln/models';
import { ImageProcessor } from '@kiln/processors';
import { Compose, HFlip, Translate } from '@kiln/augmentation';

async function main(): Promise<void> {
  const epochs = Number(process.argv[2] ?? 5);
  const backend = process.argv[3] ?? 'native';
  if (backend === 'native' && !registerNativeBackend()) throw new Error('native backend not built; pass cpu');
  await tf.setBackend(backend);
  await tf.ready();
  tf.randomUniform([1]).dispose();
  const dm = new ShapesDataModule(
    {
      batchSize: 64,
      processor: new ImageProcessor({ size: [32, 32] }),
      augmentation: new Compose({ transforms: [new HFlip({ p: 0.5 }), new Translate({ translate: [0.0625, 0.0625] })] }),
    },
    { seed: 42 },
  );
  let t = Date.now();
  await dm.setup('fit');
  console.log(`setup (generate if needed + decode) ${Date.now() - t} ms; backend ${tf.getBackend()}; root ${dm.root}`);
  const dropout = Number(process.env.DROPOUT ?? 0.25);
  // MODEL=simple_cnn: the built-in default (conv blocks 32/64/128 + batch norm, dropout, dense 128);
  // MODEL=small: the same blocks without batch norm.
  const model =
    process.env.MODEL === 'small'
      ? smallCnn(dm.inputShape, dm.numClasses, dropout)
      : new SimpleCnn({ numClasses: dm.numClasses, inputShape: dm.inputShape, dropout }, { seed: 42 }).net;
  const opt = tf.train.adam(Number(process.env.LR ?? 1e-3));
  const toX = (b: Batch) => tf.tensor4d(b.images, b.shape);
  for (let epoch = 0; epoch < epochs; epoch++) {
    t = Date.now();
    const train = dm.trainLoader();
    train.setEpoch(epoch);
    let loss = 0;
    let steps = 0;
    for await (const b of train) {
      const l = opt.minimize(() => {
        const logits = model.apply(toX(b), { training: true }) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(b.labels!, 'int32'), dm.numClasses), logits) as tf.Scalar;
      }, true)!;
      loss += (await l.data())[0];
      l.dispose();
      steps++;
    }
    let correct = 0;
    let total = 0;
    const confusion = dm.classes.map(() => new Array<number>(dm.numClasses).fill(0));
    for await (const b of dm.valLoader()!) {
      const pred = tf.tidy(() => (model.apply(toX(b)) as tf.Tensor2D).argMax(1));
      const p = await pred.data();
      pred.dispose();
      b.labels!.forEach((y, i) => {
        correct += p[i] === y ? 1 : 0;
        confusion[y][p[i]]++;
      });
      total += b.labels!.length;
    }
    if (epoch === epochs - 1) {
      console.log('confusion (rows: true class, columns: predicted):');
      confusion.forEach((row, i) => console.log(`  ${dm.classes[i].padEnd(9)} ${row.map((v) => String(v).padStart(4)).join('')}`));
    }
    console.log(`epoch ${epoch}: loss ${(loss / steps).toFixed(3)}  val acc ${((100 * correct) / total).toFixed(1)}%  (${Date.now() - t} ms)`);
  }
}

function smallCnn(inputShape: [number, number, number], numClasses: number, dropout: number): tf.LayersModel {
  const layers: tf.layers.Layer[] = [];
  [32, 64, 128].forEach((filters, i) => {
    layers.push(
      tf.layers.conv2d({ ...(i === 0 ? { inputShape } : {}), filters, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.dropout({ rate: dropout }),
    );
  });
  layers.push(tf.layers.flatten(), tf.layers.dense({ units: 128, activation: 'relu' }), tf.layers.dense({ units: numClasses }));
  return tf.sequential({ layers });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
