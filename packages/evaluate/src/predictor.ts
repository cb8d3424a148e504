import * as tf from '@tensorflow/tfjs';
import { initEngine } from '@kiln/engine';
import type { ImageProcessor } from '@kiln/processors';
import { restoreModelFromCheckpoint } from '@kiln/trainer';
import { createRunContainer, type Logger, type Registries } from '@kiln/core';
import { checkClassesMatch, runDirOf } from './checkpoint-path';
import type { PredictorQuantizeOptions } from './int8-options';

export interface Predictor {
  checkpoint: string;
  classes: string[];
  processor: ImageProcessor;
  /** Softmax probabilities, row-major n × classes. */
  predict(images: Float32Array, shape: [number, number, number, number]): Float32Array;
  /** With `quantize`: the int8 plan's log line ("int8: N layers int8 …"). */
  quantization?: string;
  dispose(): void;
}

export interface LoadPredictorOptions {
  /** A `.ckpt` file (`resolveCheckpoint` turns a run folder or nothing into one). */
  checkpoint: string;
  /** Registries holding the model's classes and custom layers (the built-ins plus any imports). */
  registries: Registries;
  logger: Logger;
  /** The run's config.yaml, when there is one: the run container holds it. */
  config?: Record<string, unknown>;
  backend?: string;
  gpus?: number[];
  /** Appended to a restore failure, e.g. which imports were not loaded. */
  restoreHint?: string;
  /** Run through Kiln's own int8 kernels (native backend), calibrated on the run's training batches. */
  quantize?: PredictorQuantizeOptions;
}

/**
 * Loads a trained model with the exact processing it was trained with (both stored in the
 * checkpoint), on the engine's backend.
 */
export async function loadPredictor(opts: LoadPredictorOptions): Promise<Predictor> {
  const { checkpoint, registries } = opts;
  opts.logger.info(`checkpoint: ${checkpoint}`);
  // int8 runs on the native backend's kernels: fail in one line before anything loads without them.
  const int8 = opts.quantize ? await import('@kiln/quantize') : undefined;
  const kernels = int8 ? await int8.nativeInt8Kernels() : undefined;
  const engine = await initEngine({ backend: opts.backend ?? (kernels ? 'native' : 'auto'), gpus: opts.gpus, logger: opts.logger });
  // Inference is a run too: its container holds the config, logger and engine, and builds the processor.
  const run = createRunContainer({ config: opts.config ?? {}, registries, logger: opts.logger, engine });
  let restored: Awaited<ReturnType<typeof restoreModelFromCheckpoint>>;
  try {
    restored = await restoreModelFromCheckpoint(checkpoint, { registries });
  } catch (err) {
    if (opts.restoreHint && err instanceof Error) err.message += ` (${opts.restoreHint})`;
    throw err;
  }
  checkClassesMatch(checkpoint, restored.classes);
  const processorNode = { _target_: 'image', ...((restored.meta.processor ?? {}) as Record<string, unknown>) };
  const processor = run.build<ImageProcessor>('processors', processorNode, 'processor');
  run.dispose();
  const net = restored.net;
  let quantized: Awaited<ReturnType<NonNullable<typeof int8>['quantizeModelInt8']>> | undefined;
  if (int8 && kernels && opts.quantize) {
    const q = opts.quantize;
    try {
      quantized = await int8.quantizeModelInt8(net, {
        kernels,
        calibration: q.calibration,
        batches: q.calibrationBatches,
        fullRange: q.fullRange,
        cache: { path: int8.calibrationCachePath(runDirOf(checkpoint), checkpoint), checkpoint },
      });
    } catch (err) {
      net.dispose();
      throw err;
    }
    opts.logger.info(`${quantized.summary}${quantized.cached ? ' (cached calibration)' : `; calibrated on ${quantized.calibration.batches} training batches (${quantized.calibration.images} images)`}`);
  }
  return {
    checkpoint,
    classes: restored.classes,
    processor,
    ...(quantized ? { quantization: quantized.summary } : {}),
    predict(images, shape) {
      return tf.tidy(() => {
        const logits = net.predict(tf.tensor4d(images, shape)) as tf.Tensor2D;
        return tf.softmax(logits).dataSync() as Float32Array;
      });
    },
    dispose: () => {
      quantized?.restore();
      net.dispose();
    },
  };
}

/** Indices of the k largest values, largest first. */
export function topK(probs: Float32Array, offset: number, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => probs[offset + b] - probs[offset + a] || a - b);
  return idx.slice(0, Math.min(k, n));
}
