import * as tf from '@kiln/contracts/tf';
import type { Registries } from '@kiln/core';
import { checkLayerClasses, registerLayer, type LayerClass } from '@kiln/models';
import { loadCheckpoint, type CheckpointPayload } from './checkpoint';
import { CheckpointError } from './errors';
import { setWeightsOrdered } from './weights';

export interface RestoredModel {
  net: tf.LayersModel;
  classes: string[];
  meta: Record<string, unknown>;
  checkpoint: CheckpointPayload;
}

/**
 * Rebuilds the model stored in a checkpoint (topology + weights; the EMA weights when the
 * run used EMA). Layer classes are checked like `@kiln/models`' loadModel: unknown ones are
 * refused before tfjs sees them; `registries` allows the custom layers registered models declare.
 */
export async function restoreModelFromCheckpoint(
  path: string,
  options: { registries?: Registries } = {},
): Promise<RestoredModel> {
  const ckpt = await loadCheckpoint(path);
  if (!ckpt.topology) throw new CheckpointError(`${path} has no model topology`);
  // Same policy as @kiln/models' loadModel: built-in tfjs layers, plus the custom layers that
  // registered model classes declare (`static layers`); anything else is refused.
  for (const cls of options.registries?.models.classes() ?? []) {
    const layers = (cls as unknown as { layers?: LayerClass[] }).layers;
    if (Array.isArray(layers)) for (const l of layers) registerLayer(l);
  }
  try {
    checkLayerClasses(ckpt.topology, path);
  } catch (err) {
    throw new CheckpointError((err as Error).message, { cause: err });
  }
  const topology = ckpt.topology as Record<string, unknown>;
  const net = await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] });
  const arrays = ckpt.ema?.weights.length ? ckpt.ema.weights : ckpt.weights.map((w) => w.data);
  try {
    setWeightsOrdered(net, arrays);
  } catch (err) {
    net.dispose();
    throw new CheckpointError(`${path}: weights do not fit its topology: ${(err as Error).message}`, { cause: err });
  }
  return { net, classes: ckpt.classes ?? [], meta: ckpt.meta ?? {}, checkpoint: ckpt };
}

