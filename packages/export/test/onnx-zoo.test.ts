import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { ONNX_OPSET, toOnnx } from '../src';
import { buildZooModel, maxAbsDiff, perturbWeights, randomBatch, ZOO } from './helpers';

const BATCH = 3;

async function runOnnx(bytes: Uint8Array, input: Float32Array, n: number): Promise<{ data: Float32Array; dims: readonly number[]; name: string }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [n, 32, 32, 3]) });
    const name = session.outputNames[0];
    return { data: out[name].data as Float32Array, dims: out[name].dims, name };
  } finally {
    await session.release();
  }
}

describe('ONNX export of every zoo model (onnxruntime-node 1.16.3)', () => {
  afterAll(() => tf.disposeVariables());

  for (const type of ZOO) {
    it(`${type}: ONNX logits equal Kiln's within 1e-4 on a batch of ${BATCH}`, async () => {
      const net = buildZooModel(type);
      perturbWeights(net);
      const input = randomBatch(BATCH);
      const expected = tf.tidy(() => (net.predict(tf.tensor4d(input, [BATCH, 32, 32, 3])) as tf.Tensor).dataSync() as Float32Array);
      const bytes = toOnnx(net);
      const model = onnx.ModelProto.decode(bytes);
      expect(Number(model.opsetImport[0].version)).toBe(ONNX_OPSET);
      expect(model.graph!.input![0].type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue) || d.dimParam)).toEqual(['N', 32, 32, 3]);
      const got = await runOnnx(bytes, input, BATCH);
      expect(got.name).toBe('logits');
      expect([...got.dims]).toEqual([BATCH, 10]);
      const diff = maxAbsDiff(got.data, expected);
      // Logits of these nets span several units, so 1e-4 is a real check, not a rounding artefact.
      expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.05);
      expect(diff).toBeLessThan(1e-4);
      net.dispose();
    });
  }
});
