import * as tf from '@tensorflow/tfjs';
import { attentionWeights, attentionWith, outKey, qkvKey } from './attention';
import { QuantizeError } from './errors';
import { oneTensor, overrideCalls } from './layer-hooks';
import type { Int8Plan } from './plan';
import type { TensorRange } from './quant-math';

export const CALIBRATION_METHODS = ['minmax', 'percentile'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];
export const DEFAULT_CALIBRATION_BATCHES = 32;
export const DEFAULT_PERCENTILE = 99.99;

/** Processed images (NHWC, normalised, as the data module yields them), labels when known. */
export interface ImageBatch {
  images: Float32Array;
  shape: readonly number[];
  labels?: Int32Array;
}
export type BatchSource = AsyncIterable<ImageBatch> | Iterable<ImageBatch>;

export interface CalibrateOptions {
  /** Batches to read (default 32). */
  batches?: number;
  /** `minmax` (default) or `percentile`: the mean over batches of each batch's percentiles. */
  method?: CalibrationMethod;
  percentile?: number;
}

export interface Calibration {
  /** Input range of each planned op, by layer name (an attention layer's two projections: `<layer>:qkv`, `<layer>:out`). */
  ranges: Record<string, TensorRange>;
  batches: number;
  images: number;
  method: CalibrationMethod;
}

const SAMPLE = 1 << 18;

function percentiles(v: Float32Array, upper: number): TensorRange {
  const step = Math.max(1, Math.floor(v.length / SAMPLE));
  const s = new Float32Array(Math.ceil(v.length / step));
  for (let i = 0, j = 0; i < v.length; i += step, j++) s[j] = v[i];
  s.sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
  return { min: at(100 - upper), max: at(upper) };
}

/**
 * Kiln's own fp32 forward on up to `batches` training batches, recording the input range of
 * every int8 op (each layer's `call` reads its input once, then runs as before).
 */
export async function calibrateInt8(net: tf.LayersModel, plan: Int8Plan, source: BatchSource, options: CalibrateOptions = {}): Promise<Calibration> {
  const maxBatches = options.batches ?? DEFAULT_CALIBRATION_BATCHES;
  if (!Number.isInteger(maxBatches) || maxBatches < 1) throw new QuantizeError(`calibration batches must be a positive integer, got ${maxBatches}`);
  const method = options.method ?? 'minmax';
  if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) throw new QuantizeError(`unknown calibration method '${method}' (methods: ${CALIBRATION_METHODS.join(', ')})`);
  const upper = options.percentile ?? DEFAULT_PERCENTILE;
  if (!(upper > 50 && upper <= 100)) throw new QuantizeError(`percentile must be in (50, 100], got ${upper}`);

  const sums = new Map<string, TensorRange>();
  let batches = 0;
  let images = 0;
  const record = (name: string, x: tf.Tensor) => {
    const r = method === 'minmax' ? { min: tf.min(x).dataSync()[0], max: tf.max(x).dataSync()[0] } : percentiles(x.dataSync() as Float32Array, upper);
    if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new QuantizeError(`int8 calibration: the input of layer '${name}' is not finite on calibration batch ${batches + 1}`);
    const prev = sums.get(name);
    if (!prev) sums.set(name, r);
    else if (method === 'minmax') sums.set(name, { min: Math.min(prev.min, r.min), max: Math.max(prev.max, r.max) });
    else sums.set(name, { min: prev.min + r.min, max: prev.max + r.max });
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
  const ranges: Record<string, TensorRange> = {};
  for (const [name, r] of sums) ranges[name] = method === 'minmax' ? r : { min: r.min / batches, max: r.max / batches };
  return { ranges, batches, images, method };
}
