import type * as tf from '@tensorflow/tfjs';
import { readCalibrationCache, writeCalibrationCache, type CacheKeyOptions } from './cache';
import { calibrateInt8, DEFAULT_CALIBRATION_BATCHES, DEFAULT_PERCENTILE, type BatchSource, type Calibration, type CalibrationMethod } from './calibrate';
import type { Int8Kernels } from './kernels';
import { planInt8, type Int8Plan } from './plan';
import { weightQmax } from './quant-math';
import { applyInt8, finalPlan, type Int8Model } from './runner';

export interface QuantizeModelOptions {
  kernels: Int8Kernels;
  /** Training batches to calibrate on; called only when there is no usable cache. */
  calibration: () => BatchSource | Promise<BatchSource>;
  batches?: number;
  method?: CalibrationMethod;
  percentile?: number;
  /** Weights in [-127, 127] even without VNNI/AMX (whose u8·s8 int16 pair sums can saturate). */
  fullRange?: boolean;
  /** Layers to keep fp32 though they could run int8 (e.g. to measure what one costs). */
  keepFp32?: readonly string[];
  /** Reuse/write the calibration at `path`, keyed on `checkpoint`'s size and mtime. */
  cache?: { path: string; checkpoint: string };
}

export interface QuantizedModel extends Int8Model {
  calibration: Calibration;
  /** True when the calibration came from the cache. */
  cached: boolean;
  weightBits: 7 | 8;
  isa: string;
  /** The log line: "int8: N layers int8 (isa …, 7-bit weights), M stay fp32: …". */
  summary: string;
}

export function describePlan(plan: Int8Plan, isa: string, weightBits: number): string {
  const folded = plan.ops.filter((o) => o.batchNorm).length;
  const fused = plan.ops.filter((o) => o.activationLayer).length;
  const head = `int8: ${plan.ops.length} layers int8 (isa ${isa}, ${weightBits}-bit weights; ${folded} batch norms folded, ${fused} ReLUs fused)`;
  if (!plan.fp32.length) return `${head}, none stay fp32`;
  // Grouped by reason: a 12-block vit has 49 fp32 layers and 3 reasons.
  const byWhy = new Map<string, string[]>();
  for (const f of plan.fp32) byWhy.set(f.why, [...(byWhy.get(f.why) ?? []), f.layer]);
  const groups = [...byWhy].map(([why, names]) => `${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')} (${why})`);
  return `${head}, ${plan.fp32.length} stay fp32: ${groups.join('; ')}`;
}

/**
 * Plans, calibrates (or reads the cached calibration) and switches `net` to int8 in place.
 * `restore()` on the result gives the fp32 model back.
 */
export async function quantizeModelInt8(net: tf.LayersModel, o: QuantizeModelOptions): Promise<QuantizedModel> {
  const support = o.kernels.support();
  const qmax = weightQmax(!(o.fullRange || support.vnni || support.amx));
  const plan = planInt8(net, { keepFp32: o.keepFp32 });
  const method = o.method ?? 'minmax';
  const key: CacheKeyOptions = { batches: o.batches ?? DEFAULT_CALIBRATION_BATCHES, method, ...(method === 'percentile' ? { percentile: o.percentile ?? DEFAULT_PERCENTILE } : {}), qmax };
  let calibration = o.cache ? readCalibrationCache(o.cache.path, o.cache.checkpoint, key, plan) : undefined;
  const cached = calibration !== undefined;
  if (!calibration) {
    calibration = await calibrateInt8(net, plan, await o.calibration(), { batches: key.batches, method, percentile: key.percentile });
    if (o.cache) writeCalibrationCache(o.cache.path, o.cache.checkpoint, key, plan, calibration);
  }
  const final = finalPlan(plan, calibration);
  const weightBits = qmax === 63 ? 7 : 8;
  const model = applyInt8(net, final, calibration, o.kernels, qmax);
  return { ...model, calibration, cached, weightBits, isa: support.isa, summary: describePlan(final, support.isa, weightBits) };
}
