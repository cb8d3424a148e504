import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '@kiln/trainer';
import { ImageProcessor } from '@kiln/processors';
import { exportModel } from '../src';
import { CLASSES, makeRun, PROCESSOR } from './fixtures';

async function writeRun(root: string, name: string, net: tf.LayersModel, topology: unknown = net.toJSON(undefined, false)): Promise<string> {
  const dir = join(root, name);
  await saveCheckpoint(join(dir, 'checkpoints', 'best.ckpt'), {
    epoch: 1,
    batchInEpoch: 0,
    globalStep: 1,
    topology: topology as object,
    weights: net.weights.map((w) => ({ name: w.name, shape: [...w.shape] as number[], data: w.read().dataSync() as Float32Array })),
    classes: CLASSES,
    meta: { processor: new ImageProcessor(PROCESSOR).toConfig(), classes: CLASSES },
  });
  return dir;
}

describe('quantized export: bad input is a clear error and leaves no export behind', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-quant-errors-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('an empty calibration split', async () => {
    const run = await makeRun(root, 'mlp');
    const out = join(root, 'empty-calibration');
    await expect(exportModel({ ckpt: run, format: 'onnx', out, quantize: { mode: 'int8', calibration: [] } })).rejects.toThrow(/calibration split gave no batches \(it is empty\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('a quantization the format does not have', async () => {
    const run = await makeRun(root, 'mlp');
    await expect(exportModel({ ckpt: run, format: 'tfjs', out: join(root, 'x'), quantize: { mode: 'int8' } })).rejects.toThrow("quantize 'int8' is not available for tfjs (tfjs: uint8, float16)");
    await expect(exportModel({ ckpt: run, format: 'onnx', out: join(root, 'x'), quantize: { mode: 'uint8' } })).rejects.toThrow("quantize 'uint8' is not available for onnx (onnx: int8, dynamic)");
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('an unsupported layer is named', async () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const y = tf.layers.dense({ units: 10, name: 'head' }).apply(tf.layers.flatten().apply(tf.layers.upSampling2d({ size: [1, 1], name: 'my_upsampling' }).apply(input))) as tf.SymbolicTensor;
    const run = await writeRun(root, 'upsampling', tf.model({ inputs: input, outputs: y }));
    const out = join(root, 'unsupported');
    await expect(exportModel({ ckpt: run, format: 'onnx', out, quantize: { mode: 'int8', calibration: [] } })).rejects.toThrow(/layer 'my_upsampling' \(class UpSampling2D\): no ONNX converter/);
    expect(existsSync(out)).toBe(false);
  });

  it('a checkpoint of an unknown model', async () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const net = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor });
    const topology = JSON.parse(JSON.stringify(net.toJSON(undefined, false)).replace(/"class_name":"Dense"/, '"class_name":"NoSuchLayer"'));
    const run = await writeRun(root, 'unknown', net, topology);
    const out = join(root, 'unknown-out');
    await expect(exportModel({ ckpt: run, format: 'onnx', out, quantize: { mode: 'dynamic' } })).rejects.toThrow(/NoSuchLayer/);
    expect(existsSync(out)).toBe(false);
  });
});
