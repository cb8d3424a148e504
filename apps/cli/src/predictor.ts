import * as tf from '@tensorflow/tfjs';
import { initEngine } from '@kiln/engine';
import type { ImageProcessor } from '@kiln/processors';
import { restoreModelFromCheckpoint } from '@kiln/trainer';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRunContainer, loadYamlFile, type Logger } from '@kiln/core';
import { optionList, optionString, type ParsedArgs } from './args';
import { checkClassesMatch, resolveCheckpoint, runDirOf } from './checkpoint-path';
import { gpusOption } from './devices';
import { importInto, registerWithImports } from './registry';

export interface Predictor {
  checkpoint: string;
  classes: string[];
  processor: ImageProcessor;
  /** Softmax probabilities, row-major n × classes. */
  predict(images: Float32Array, shape: [number, number, number, number]): Float32Array;
  dispose(): void;
}

/**
 * Loads a trained model with the exact processing it was trained with (both stored in the
 * checkpoint), on the engine's backend.
 */
/** `loadPredictor`'s options from the command line (`--ckpt`, `--gpus`, `--import`, `--trust-imports`). */
export function predictorOptions(args: ParsedArgs, logger: Logger): Parameters<typeof loadPredictor>[0] {
  return {
    ckpt: optionString(args, 'ckpt'),
    gpus: gpusOption(args),
    logger,
    imports: optionList(args, 'import'),
    trustImports: args.flags.has('trust-imports'),
  };
}

export async function loadPredictor(opts: {
  ckpt?: string;
  gpus?: number[];
  logger: Logger;
  backend?: string;
  /** Modules named on the command line (`--import`), relative to where the command runs. */
  imports?: string[];
  /** Also import the run's own `imports:` (`--trust-imports`): that runs the run author's code. */
  trustImports?: boolean;
}): Promise<Predictor> {
  const checkpoint = resolveCheckpoint(opts.ckpt);
  opts.logger.info(`checkpoint: ${checkpoint}`);
  const engine = await initEngine({ backend: opts.backend ?? 'auto', gpus: opts.gpus, logger: opts.logger });
  // A checkpoint is data: the run's own `imports:` (code from wherever the run came from) load only
  // with --trust-imports, resolved against the config.yaml that lists them; --import names others.
  const runConfig = join(runDirOf(checkpoint), 'config.yaml');
  const config = existsSync(runConfig) ? ((loadYamlFile(runConfig) as Record<string, unknown> | null) ?? {}) : {};
  const listed = config.imports;
  const registries = registerWithImports(opts.imports ?? []);
  const untrusted = Array.isArray(listed) && listed.length > 0 && !opts.trustImports;
  if (opts.trustImports) importInto(registries, listed, dirname(runConfig));
  else if (untrusted) opts.logger.info(`not importing ${(listed as unknown[]).join(', ')} from ${runConfig} (pass --trust-imports to run them)`);
  // Inference is a run too: its container holds the config, logger and engine, and builds the processor.
  const run = createRunContainer({ config, registries, logger: opts.logger, engine });
  let restored: Awaited<ReturnType<typeof restoreModelFromCheckpoint>>;
  try {
    restored = await restoreModelFromCheckpoint(checkpoint, { registries });
  } catch (err) {
    if (untrusted && err instanceof Error) err.message += ` (the run lists imports: ${(listed as unknown[]).join(', ')}; pass --trust-imports or --import=<module> if the model needs them)`;
    throw err;
  }
  checkClassesMatch(checkpoint, restored.classes);
  const processorNode = { _target_: 'image', ...((restored.meta.processor ?? {}) as Record<string, unknown>) };
  const processor = run.build<ImageProcessor>('processors', processorNode, 'processor');
  run.dispose();
  const net = restored.net;
  return {
    checkpoint,
    classes: restored.classes,
    processor,
    predict(images, shape) {
      return tf.tidy(() => {
        const logits = net.predict(tf.tensor4d(images, shape)) as tf.Tensor2D;
        return tf.softmax(logits).dataSync() as Float32Array;
      });
    },
    dispose: () => net.dispose(),
  };
}

/** Indices of the k largest values, largest first. */
export function topK(probs: Float32Array, offset: number, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => probs[offset + b] - probs[offset + a] || a - b);
  return idx.slice(0, Math.min(k, n));
}
