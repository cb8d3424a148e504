import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { exportModel, type ImageBatch } from '../src';
import { kilnProbabilitiesBatch, makeRun } from './fixtures';
import { randomBatch, ZOO } from './helpers';

const N = 4;
const batches = (count: number, seed: number): ImageBatch[] =>
  Array.from({ length: count }, (_, i) => ({ images: randomBatch(N, seed + i), shape: [N, 32, 32, 3], labels: Int32Array.from({ length: N }, (_, j) => (i + j) % 10) }));

describe('int8 ONNX export of every zoo model (QDQ, onnxruntime-node 1.16.3)', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-quant-zoo-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const type of ZOO) {
    it(`${type}: int8 weights and calibrated activations, runs in onnxruntime close to fp32`, async () => {
      const ckpt = await makeRun(root, type);
      const out = join(root, `${type}-int8`);
      const result = await exportModel({ ckpt, format: 'onnx', out, quantize: { mode: 'int8', calibration: batches(2, 100), evaluation: batches(1, 200), evaluationSplit: 'val' } });
      expect(readdirSync(out).sort()).toEqual(['kiln.json', 'model.onnx', 'model.quant.json']);
      const bytes = readFileSync(join(out, 'model.onnx'));
      const model = onnx.ModelProto.decode(bytes);
      const ops = model.graph!.node!.map((n) => n.opType);
      expect(ops).toContain('QuantizeLinear');
      expect(ops).toContain('DequantizeLinear');
      // No float weight left on a Conv / weight MatMul: each reads a DequantizeLinear.
      const produced = new Map(model.graph!.node!.map((n) => [n.output![0], n.opType]));
      for (const n of model.graph!.node!.filter((x) => x.opType === 'Conv')) expect(produced.get(n.input![1]), n.name!).toBe('DequantizeLinear');
      const int8 = model.graph!.initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.INT8 && (t.dims?.length ?? 0) >= 2);
      expect(int8.length).toBe(result.quantization!.quantizedWeights);
      const report = JSON.parse(readFileSync(join(out, 'model.quant.json'), 'utf8'));
      expect(report.calibration).toMatchObject({ batches: 2, images: 2 * N, method: 'minmax' });
      expect(report.size.ratio).toBeLessThan(0.4);
      expect(report.evaluation.images).toBe(N);
      if (type === 'resnet' || type === 'mobilenet_v2') expect(report.foldedBatchNorms.length).toBeGreaterThan(0);
      if (type === 'vit_tiny') expect(report.fp32.map((f: { op: string }) => f.op)).toEqual(expect.arrayContaining(['LayerNormalization', 'Softmax']));
      expect(JSON.parse(readFileSync(join(out, 'kiln.json'), 'utf8')).quantization).toEqual({ mode: 'int8', report: 'model.quant.json' });

      const x = randomBatch(N, 300);
      const session = await ort.InferenceSession.create(bytes);
      const got = (await session.run({ input: new ort.Tensor('float32', x, [N, 32, 32, 3]) })).probabilities.data as Float32Array;
      const want = await kilnProbabilitiesBatch(result.checkpoint, x, N);
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      console.log(`${type}: int8 vs fp32 max |Δp| ${maxDiff.toExponential(2)}, size ×${report.size.ratio.toFixed(3)}, agreement ${report.evaluation.top1Agreement}`);
      expect(maxDiff).toBeLessThan(0.15);
    }, 240_000);
  }

  it('dynamic: int8 weights only (no QuantizeLinear), full [-127, 127] range, close to fp32', async () => {
    const ckpt = await makeRun(root, 'simple_cnn');
    const out = join(root, 'simple_cnn-dynamic');
    const result = await exportModel({ ckpt, format: 'onnx', out, quantize: { mode: 'dynamic' } });
    const bytes = readFileSync(join(out, 'model.onnx'));
    const ops = onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);
    expect(ops).not.toContain('QuantizeLinear');
    expect(ops.filter((o) => o === 'DequantizeLinear').length).toBe(result.quantization!.quantizedWeights);
    expect(result.quantization).toMatchObject({ weightRange: '[-127, 127]', activations: 0 });
    expect(result.quantization!.calibration).toBeUndefined();
    const x = randomBatch(N, 301);
    const session = await ort.InferenceSession.create(bytes);
    const got = (await session.run({ input: new ort.Tensor('float32', x, [N, 32, 32, 3]) })).probabilities.data as Float32Array;
    const want = await kilnProbabilitiesBatch(result.checkpoint, x, N);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    expect(maxDiff).toBeLessThan(0.02);
  }, 60_000);
});
