import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ExportError } from '../errors';

export const TFJS_MODEL_JSON = 'model.json';
/** tfjs-converter's default shard size: small enough for browser caches and CDNs. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

function concat(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const parts = (Array.isArray(data) ? data : [data]).map((b) => new Uint8Array(b));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

export interface LayersModelOptions {
  shardBytes?: number;
  metadata?: Record<string, unknown>;
  /** Rewrites the saved weights before sharding (weight quantization). */
  transformWeights?: (specs: tf.io.WeightsManifestEntry[], data: Uint8Array) => { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array };
}

/**
 * The files of `net` as a standard TensorFlow.js LayersModel folder, in memory: `model.json`
 * (topology + one weights group) and `group1-shardNofM.bin`, the layout `tf.loadLayersModel`
 * (and tfjs-converter) use. `model.json` comes first.
 */
export async function layersModelFiles(net: tf.LayersModel, options: LayersModelOptions = {}): Promise<Map<string, Uint8Array>> {
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 4) throw new ExportError(`shardBytes must be an integer ≥ 4, got ${shardBytes}`);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.modelTopology) throw new ExportError(`tfjs produced no topology for model '${net.name}'`);
  let weights = concat(artifacts.weightData);
  let specs = artifacts.weightSpecs ?? [];
  if (options.transformWeights) ({ specs, data: weights } = options.transformWeights(specs, weights));
  const count = Math.max(1, Math.ceil(weights.byteLength / shardBytes));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Kiln export',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: specs }],
    ...(options.metadata ? { userDefinedMetadata: options.metadata } : {}),
  };
  const files = new Map<string, Uint8Array>([[TFJS_MODEL_JSON, new TextEncoder().encode(JSON.stringify(modelJson))]]);
  paths.forEach((p, i) => files.set(p, weights.subarray(i * shardBytes, Math.min(weights.byteLength, (i + 1) * shardBytes))));
  return files;
}

/** Writes `net` as a LayersModel folder (see `layersModelFiles`). Returns the shard file names. */
export async function writeLayersModel(net: tf.LayersModel, dir: string, options: LayersModelOptions = {}): Promise<string[]> {
  const files = await layersModelFiles(net, options);
  await mkdir(dir, { recursive: true });
  // Shards first, model.json last: a reader never sees a model.json whose shards are missing.
  const names = [...files.keys()];
  for (const name of [...names.slice(1), names[0]]) await writeFile(join(dir, name), files.get(name)!);
  return names.slice(1);
}
