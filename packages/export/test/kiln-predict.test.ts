import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageProcessor } from '@kiln/processors';
import { exportModel } from '../src';
import { CLASSES, makePng, makeRun, PROCESSOR, serve } from './fixtures';
import { maxAbsDiff } from './helpers';

const CLI = resolve(__dirname, '../../../apps/cli/dist/main.js');
const DIST = resolve(__dirname, '../dist/index.js');
const skipped = existsSync(CLI) ? '' : ` [skipped: ${CLI} is not built; run npx tsc -b tsconfig.build.json]`;
const skippedTrain = existsSync(CLI) && existsSync(DIST) ? '' : ` [skipped: the CLI or ${DIST} is not built; run npx tsc -b tsconfig.build.json]`;

/** `kiln predict --topk=<all>` as a user runs it: probabilities per class name (rounded to 1e-6 by the CLI). */
function kilnPredict(run: string, image: string, classes = CLASSES): Float32Array {
  const stdout = execFileSync(process.execPath, [CLI, 'predict', `--ckpt=${run}`, `--image=${image}`, `--topk=${classes.length}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const top = JSON.parse(stdout).predictions[0].top as Array<{ class: string; probability: number }>;
  return Float32Array.from(classes, (c) => top.find((t) => t.class === c)!.probability);
}

describe('exports agree with the real `kiln predict` command', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-export-predict-'));
  const image = join(root, 'image.png');
  beforeAll(() => makePng(image, 9));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.skipIf(!!skipped)(`resnet: tfjs and ONNX probabilities equal kiln predict's within 1e-4${skipped}`, async () => {
    const run = await makeRun(root, 'resnet');
    const expected = kilnPredict(run, image);
    const pixels = await new ImageProcessor(PROCESSOR).process(image);

    const onnxDir = (await exportModel({ ckpt: run, format: 'onnx', out: join(root, 'onnx') })).dir;
    const session = await ort.InferenceSession.create(join(onnxDir, 'model.onnx'));
    const out = await session.run({ input: new ort.Tensor('float32', pixels, [1, 32, 32, 3]) });
    await session.release();
    expect(maxAbsDiff(out.probabilities.data as Float32Array, expected)).toBeLessThan(1e-4);

    const tfjsDir = (await exportModel({ ckpt: run, format: 'tfjs', out: join(root, 'tfjs') })).dir;
    const server = await serve({ '/': tfjsDir });
    try {
      const model = await tf.loadLayersModel(`${server.url}/model.json`);
      const probs = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [1, 32, 32, 3])) as tf.Tensor).dataSync() as Float32Array);
      model.dispose();
      expect(maxAbsDiff(probs, expected)).toBeLessThan(1e-4);
    } finally {
      await server.close();
    }
  });

  it.skipIf(!!skippedTrain)(`kiln train with callbacks.export writes exports that match kiln predict${skippedTrain}`, async () => {
    const cwd = join(root, 'train');
    const { mkdirSync, readFileSync } = await import('node:fs');
    mkdirSync(cwd, { recursive: true });
    execFileSync(
      process.execPath,
      [CLI, 'train', '+callbacks.export._target_=export', 'trainer.maxEpochs=1', 'model=mlp',
        'data.trainPerClass=20', 'data.valPerClass=5', 'data.testPerClass=5', 'callbacks.tensorboard=null', 'callbacks.progress_bar=null'],
      { cwd, env: { ...process.env, INIT_CWD: cwd, KILN_CACHE_DIR: join(root, 'cache') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const run = join(cwd, 'outputs', 'latest');
    const kiln = JSON.parse(readFileSync(join(run, 'export', 'onnx', 'kiln.json'), 'utf8'));
    expect(kiln.source.checkpoint).toMatch(/checkpoints[\\/]best\.ckpt$/);
    const expected = kilnPredict(run, image, kiln.classes);
    const { resize, mean, std } = kiln.preprocessing;
    const pixels = await new ImageProcessor({ size: [kiln.input.height, kiln.input.width], channels: kiln.input.channels, resize, mean, std }).process(image);
    const session = await ort.InferenceSession.create(join(run, 'export', 'onnx', 'model.onnx'));
    const out = await session.run({ input: new ort.Tensor('float32', pixels, [1, 32, 32, 3]) });
    await session.release();
    expect(maxAbsDiff(out.probabilities.data as Float32Array, expected)).toBeLessThan(1e-4);
    expect(existsSync(join(run, 'export', 'tfjs', 'model.json'))).toBe(true);
  }, 240_000);
});
