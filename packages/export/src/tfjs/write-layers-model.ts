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

/**
 * Writes `net` as a standard TensorFlow.js LayersModel folder: `model.json` (topology +
 * one weights group) and `group1-shardNofM.bin` files, the layout `tf.loadLayersModel`
 * (and tfjs-converter) use. Returns the shard file names.
 */
export async function writeLayersModel(
  net: tf.LayersModel,
  dir: string,
  options: { shardBytes?: number; metadata?: Record<string, unknown> } = {},
): Promise<string[]> {
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
  const weights = concat(artifacts.weightData);
  const count = Math.max(1, Math.ceil(weights.byteLength / shardBytes));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await writeFile(join(dir, paths[i]), weights.subarray(i * shardBytes, Math.min(weights.byteLength, (i + 1) * shardBytes)));
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Kiln export',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
    ...(options.metadata ? { userDefinedMetadata: options.metadata } : {}),
  };
  await writeFile(join(dir, TFJS_MODEL_JSON), JSON.stringify(modelJson));
  return paths;
}
