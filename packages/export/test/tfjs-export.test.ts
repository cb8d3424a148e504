import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel, KILN_JSON, type KilnExportManifest } from '../src';
import { CLASSES, kilnProbabilities, makePng, makeRun, serve } from './fixtures';
import { maxAbsDiff } from './helpers';

/** Models whose layers differ most: BN + pooling, ReLU(maxValue) + depthwise, attention + LayerNorm + GELU. */
const MODELS = ['simple_cnn', 'mobilenet_v2', 'vit_tiny'];
const shardNo = (f: string) => Number(/shard(\d+)of/.exec(f)![1]);

describe('tfjs export, loaded back with plain @tensorflow/tfjs over HTTP', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-export-tfjs-'));
  const image = join(root, 'image.png');
  beforeAll(() => makePng(image));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const type of MODELS) {
    it(`${type}: tf.loadLayersModel gives kiln predict's probabilities within 1e-4`, async () => {
      const run = await makeRun(root, type);
      const out = join(root, `${type}-tfjs`);
      // Small shards so the multi-shard path is exercised.
      const result = await exportModel({ ckpt: run, format: 'tfjs', out, shardBytes: 256 * 1024 });
      expect(result.checkpoint).toBe(join(run, 'checkpoints', 'best.ckpt'));
      const shards = readdirSync(out).filter((f) => f.endsWith('.bin'));
      expect(shards.length).toBeGreaterThan(1);
      const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
      expect(modelJson.format).toBe('layers-model');
      // Only built-in tfjs classes: Kiln's own layers are rewritten, so plain tfjs loads it.
      expect(JSON.stringify(modelJson.modelTopology)).not.toMatch(/"class_name":"Kiln/);
      expect(modelJson.weightsManifest[0].paths).toEqual(shards.sort((a, b) => shardNo(a) - shardNo(b)));

      const manifest = JSON.parse(readFileSync(join(out, KILN_JSON), 'utf8')) as KilnExportManifest;
      expect(manifest.input).toEqual({ layout: 'NHWC', dtype: 'float32', height: 32, width: 32, channels: 3 });
      expect(manifest.preprocessing).toMatchObject({ resize: 'stretch', scale: 1 / 255, mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.243, 0.261] });
      expect(manifest.classes).toEqual(CLASSES);
      expect(manifest.output).toBe('probabilities');

      const server = await serve({ '/model/': out });
      try {
        const model = await tf.loadLayersModel(`${server.url}/model/model.json`);
        // The app's side: decode → (x/255 − mean)/std from kiln.json → predict.
        const { data } = await (await import('sharp')).default(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const { mean, std, scale } = manifest.preprocessing;
        const c = manifest.input.channels;
        const x = Float32Array.from(data, (v, i) => (v * scale - mean[i % c]) / std[i % c]);
        const probs = tf.tidy(() => (model.predict(tf.tensor4d(x, [1, 32, 32, c])) as tf.Tensor).dataSync() as Float32Array);
        model.dispose();
        const expected = await kilnProbabilities(result.checkpoint, image);
        expect(probs.length).toBe(CLASSES.length);
        expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
        expect(maxAbsDiff(probs, expected)).toBeLessThan(1e-4);
      } finally {
        await server.close();
      }
    });
  }

  it('output: logits exports the raw logits layer', async () => {
    const run = join(root, 'simple_cnn');
    const out = join(root, 'logits-tfjs');
    const result = await exportModel({ ckpt: join(run, 'checkpoints', 'best.ckpt'), format: 'tfjs', out, output: 'logits' });
    expect(result.manifest.output).toBe('logits');
    const topology = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology;
    const layers = (topology.model_config ?? topology).config.layers as Array<{ class_name: string }>;
    expect(layers.at(-1)!.class_name).toBe('Dense');
  });

  it('a folder without checkpoints is a clear error', async () => {
    await expect(exportModel({ ckpt: root, format: 'tfjs', out: join(root, 'x') })).rejects.toThrow(/no checkpoint at/);
    await expect(exportModel({ ckpt: root, format: 'keras' as never, out: join(root, 'x') })).rejects.toThrow(/unknown export format 'keras'/);
  });
});
