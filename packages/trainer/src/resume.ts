import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type Registries } from '@kiln/core';
import { checkLayerClasses, registerLayer, type LayerClass } from '@kiln/models';
import { loadCheckpoint, type CheckpointPayload } from './checkpoint';
import { CheckpointError } from './errors';
import { setWeightsOrdered } from './weights';

const LAST = join('checkpoints', 'last.ckpt');

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Every `<dir>/checkpoints/last.ckpt` under `root` (a few levels deep: outputs/<date>/<time>/…). */
function findLastCheckpoints(root: string, depth = 4): string[] {
  const found: string[] = [];
  const walk = (dir: string, left: number) => {
    if (isFile(join(dir, LAST))) found.push(join(dir, LAST));
    if (left === 0) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === 'checkpoints' || name === 'latest' || name.startsWith('.')) continue;
      const sub = join(dir, name);
      try {
        if (statSync(sub).isDirectory()) walk(sub, left - 1);
      } catch {
        /* vanished while scanning */
      }
    }
  };
  walk(root, depth);
  return found;
}

/**
 * Resolves `trainer.resume`: `auto` → `<runsRoot>/latest/checkpoints/last.ckpt` if it exists,
 * else the newest `last.ckpt` under `runsRoot` (undefined when there is none); a run
 * directory → its `checkpoints/last.ckpt`; a file → itself. A named path that does not
 * exist is a ConfigError.
 */
export function findResumeCheckpoint(resume: string | null | undefined, runsRoot = 'outputs'): string | undefined {
  if (resume === null || resume === undefined || resume === '') return undefined;
  if (resume === 'auto') {
    const latest = join(runsRoot, 'latest', LAST);
    if (isFile(latest)) return resolve(latest);
    const all = findLastCheckpoints(runsRoot).map((p) => ({ p, t: statSync(p).mtimeMs }));
    all.sort((a, b) => b.t - a.t || b.p.localeCompare(a.p));
    return all[0] ? resolve(all[0].p) : undefined;
  }
  for (const candidate of [resume, join(resume, LAST), join(resume, 'last.ckpt')]) {
    if (isFile(candidate)) return resolve(candidate);
  }
  throw new ConfigError(
    `trainer.resume: no checkpoint at '${resume}' (give a .ckpt file, a run directory with checkpoints/last.ckpt, or 'auto')`,
    { path: 'trainer.resume', key: 'resume' },
  );
}

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

