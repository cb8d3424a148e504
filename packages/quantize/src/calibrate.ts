import * as tf from '@tensorflow/tfjs';
import { attentionWeights, attentionWith, outKey, qkvKey } from './attention';
import { QuantizeError } from './errors';
import { oneTensor, overrideCalls } from './layer-hooks';
import type { Int8Plan } from './plan';
import type { TensorRange } from './quant-math';
import { percentileRange, RangeAccumulator, resolveCalibration, type BatchSource, type CalibrationMethod, type CalibrationSettings } from './ranges';

export { CALIBRATION_METHODS, DEFAULT_CALIBRATION_BATCHES, DEFAULT_PERCENTILE } from './ranges';
export type { BatchSource, CalibrationMethod, ImageBatch } from './ranges';

export type CalibrateOptions = CalibrationSettings;

export interface Calibration {
  /** Input range of each planned op, by layer name (an attention layer's two projections: `<layer>:qkv`, `<layer>:out`). */
  ranges: Record<string, TensorRange>;
  batches: number;
  images: number;
  method: CalibrationMethod;
}

// Percentiles from a strided sample of at most 2^18 values per layer input.
const SAMPLE = 1 << 18;

/**
 * Kiln's own fp32 forward on up to `batches` training batches, recording the input range of
 * every int8 op (each layer's `call` reads its input once, then runs as before).
 */
export async function calibrateInt8(net: tf.LayersModel, plan: Int8Plan, source: BatchSource, options: CalibrateOptions = {}): Promise<Calibration> {
  const { batches: maxBatches, method, upper } = resolveCalibration(options, (m) => new QuantizeError(m));
  const sums = new RangeAccumulator(method);
  let batches = 0;
  let images = 0;
  const record = (name: string, x: tf.Tensor) => {
    const r = method === 'minmax' ? { min: tf.min(x).dataSync()[0], max: tf.max(x).dataSync()[0] } : percentileRange(x.dataSync() as Float32Array, upper, SAMPLE);
    if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new QuantizeError(`int8 calibration: the input of layer '${name}' is not finite on calibration batch ${batches + 1}`);
    sums.add(name, r);
  };
  const restore = overrideCalls(net, new Map(plan.ops.map((op) => [op.layer, (orig) => {
    if (op.kind !== 'attention') {
      return (inputs, kwargs) => {
        tf.tidy(() => record(op.layer, oneTensor(inputs)));
        return orig(inputs, kwargs);
      };
    }
    // The projections' inputs are inside the layer: its fp32 maths, recording both.
    const a = attentionWeights(net.getLayer(op.layer));
    const matmul = (key: string, w: Float32Array, b: Float32Array, n: number) => (x2: tf.Tensor2D) => {
      record(key, x2);
      return tf.add(tf.matMul(x2, tf.tensor2d(w, [a.dim, n])), tf.tensor1d(b));
    };
    return (inputs) => attentionWith(oneTensor(inputs), a.dim, a.heads, matmul(qkvKey(op.layer), a.wqkv, a.bqkv, 3 * a.dim), matmul(outKey(op.layer), a.wo, a.bo, a.dim));
  }])));
  try {
    for await (const batch of source) {
      tf.tidy(() => {
        net.predict(tf.tensor(batch.images, batch.shape as number[]));
      });
      batches++;
      images += batch.shape[0];
      if (batches >= maxBatches) break;
    }
  } finally {
    restore();
  }
  if (batches === 0) throw new QuantizeError('int8 calibration: the calibration split gave no batches (it is empty); int8 inference needs training images to set activation ranges');
  return { ranges: Object.fromEntries(sums.ranges(batches)), batches, images, method };
}
