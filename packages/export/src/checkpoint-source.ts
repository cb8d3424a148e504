import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Registries } from '@kiln/core';
import { ImageProcessor, type ImageProcessorOptions } from '@kiln/processors';
// The checkpoint format is the trainer's (it writes them): export sits above it and reads them,
// the trainer never imports export.
import { restoreModelFromCheckpoint } from '@kiln/trainer';
import { ExportError } from './errors';

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/**
 * `ckpt` as a `.ckpt` file, or a run folder (its `checkpoints/best.ckpt`, else `last.ckpt`),
 * the same choice `kiln predict --ckpt` makes.
 */
export function resolveCheckpointFile(ckpt: string): string {
  if (isFile(ckpt)) return resolve(ckpt);
  for (const name of ['best.ckpt', 'last.ckpt']) {
    const candidate = join(ckpt, 'checkpoints', name);
    if (isFile(candidate)) return resolve(candidate);
  }
  throw new ExportError(`no checkpoint at '${ckpt}' (give a .ckpt file or a run folder with checkpoints/best.ckpt or last.ckpt)`);
}

export interface ExportSource {
  checkpoint: string;
  /** The trained network (EMA weights when the run used EMA), logits out. */
  net: tf.LayersModel;
  classes: string[];
  /** The run's processor options with every default filled in (what `kiln predict` uses). */
  processor: ReturnType<ImageProcessor['toConfig']>;
  epoch: number;
  globalStep: number;
}

/** Rebuilds the checkpoint's model exactly as `kiln predict` does, plus its processing. */
export async function loadExportSource(ckpt: string, registries?: Registries): Promise<ExportSource> {
  const checkpoint = resolveCheckpointFile(ckpt);
  const restored = await restoreModelFromCheckpoint(checkpoint, { registries });
  const saved = (restored.meta.processor ?? {}) as ImageProcessorOptions;
  let processor: ExportSource['processor'];
  try {
    processor = new ImageProcessor(saved).toConfig();
  } catch (err) {
    restored.net.dispose();
    throw new ExportError(`${checkpoint}: its saved processor config is invalid: ${(err as Error).message}`, { cause: err });
  }
  return {
    checkpoint,
    net: restored.net,
    classes: restored.classes,
    processor,
    epoch: restored.checkpoint.epoch,
    globalStep: restored.checkpoint.globalStep,
  };
}
