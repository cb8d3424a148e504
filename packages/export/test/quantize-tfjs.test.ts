import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel, type ImageBatch } from '../src';
import { CLASSES, kilnProbabilities, makePng, makeRun, serve } from './fixtures';
import { maxAbsDiff, randomBatch } from './helpers';

const MODELS = ['simple_cnn', 'mobilenet_v2', 'vit_tiny'];
const MODES = [
  { mode: 'uint8', bytesPerValue: 1, tolerance: 0.05 },
  { mode: 'float16', bytesPerValue: 2, tolerance: 2e-3 },
] as const;
const binBytes = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((s, f) => s + statSync(join(dir, f)).size, 0);

describe('tfjs weight quantization (uint8 / float16), loaded with plain tf.loadLayersModel over HTTP', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-quant-tfjs-'));
  const image = join(root, 'image.png');
  beforeAll(() => makePng(image));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const type of MODELS) {
    it(`${type}: uint8 and float16 weights load and predict close to kiln predict`, async () => {
      const run = await makeRun(root, type);
      const fp32 = await exportModel({ ckpt: run, format: 'tfjs', out: join(root, `${type}-fp32`) });
      const expected = await kilnProbabilities(fp32.checkpoint, image);
      const { data } = await (await import('sharp')).default(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const { mean, std, scale } = fp32.manifest.preprocessing;
      const x = Float32Array.from(data, (v, i) => (v * scale - mean[i % 3]) / std[i % 3]);
      const evaluation: ImageBatch[] = [{ images: randomBatch(4, 21), shape: [4, 32, 32, 3], labels: Int32Array.of(0, 1, 2, 3) }];
      for (const { mode, bytesPerValue, tolerance } of MODES) {
        const out = join(root, `${type}-${mode}`);
        const result = await exportModel({ ckpt: run, format: 'tfjs', out, quantize: { mode, evaluation, evaluationSplit: 'val' } });
        const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
        const specs = modelJson.weightsManifest[0].weights as tf.io.WeightsManifestEntry[];
        for (const s of specs.filter((w) => w.dtype === 'float32')) expect(s.quantization?.dtype, s.name).toBe(mode);
        // Every saved weight is float32 in these models, so the shards shrink exactly 4 → bytesPerValue.
        expect(binBytes(out)).toBe((binBytes(fp32.dir) / 4) * bytesPerValue);
        const report = JSON.parse(readFileSync(join(out, 'model.quant.json'), 'utf8'));
        expect(report).toMatchObject({ format: 'tfjs', quantize: mode, quantizedWeights: specs.length, evaluation: { split: 'val', images: 4 } });
        expect(report.size.ratio).toBeLessThan(bytesPerValue === 1 ? 0.35 : 0.55);
        expect(result.quantization).toEqual(report);

        const server = await serve({ '/model/': out });
        try {
          const model = await tf.loadLayersModel(`${server.url}/model/model.json`);
          const probs = tf.tidy(() => (model.predict(tf.tensor4d(x, [1, 32, 32, 3])) as tf.Tensor).dataSync() as Float32Array);
          model.dispose();
          expect(probs.length).toBe(CLASSES.length);
          const diff = maxAbsDiff(probs, expected);
          console.log(`${type} ${mode}: max |Δp| ${diff.toExponential(2)}, size ×${report.size.ratio.toFixed(3)}`);
          expect(diff, `${type} ${mode}`).toBeLessThan(tolerance);
        } finally {
          await server.close();
        }
      }
    }, 180_000);
  }
});
