import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, normalize } from 'node:path';
import * as tf from '@kiln/contracts/tf';
import { KilnError, writeFileAtomic, type Registries } from '@kiln/core';
import { isAllowedLayerClass, listLayerClasses, registerLayer, type LayerClass } from './layer-allowlist';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** A saved model is unreadable, inconsistent, or uses a layer class that is not allowed. */
export class ModelFormatError extends KilnError {}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const buffers = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Saves `net` in the TensorFlow.js Layers format: `<dir>/model.json` (topology + weights
 * manifest) and `<dir>/weights.bin`. Each file is written atomically, weights first, and
 * model.json records the weights' size and SHA-256, so a reader never pairs a new
 * model.json with a half-written or stale weights file without noticing.
 */
export async function saveModel(net: tf.LayersModel, dir: string, metadata: Record<string, unknown> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.modelTopology) throw new ModelFormatError(`saveModel: tfjs produced no topology for '${net.name}'`);
  const weights = joinWeightData(artifacts.weightData);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: { ...metadata, kiln: { weightsBytes: weights.byteLength, weightsSha256: sha256(weights) } },
  };
  await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
  await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(modelJson));
}

export interface LoadModelOptions {
  /**
   * Registered models may expose `static layers: LayerClass[]` (their custom layers);
   * those are registered with tfjs and allowed before the topology is checked.
   */
  registries?: Registries;
}

/** Allows the custom layers that registered model classes declare. */
function allowRegisteredLayers(registries: Registries | undefined): void {
  for (const cls of registries?.models.classes() ?? []) {
    const layers = (cls as unknown as { layers?: LayerClass[] }).layers;
    if (Array.isArray(layers)) for (const l of layers) registerLayer(l);
  }
}

function parseModelJson(text: string, path: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFormatError(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const m = json as Partial<tf.io.ModelJSON>;
  if (!m || typeof m !== 'object' || !m.modelTopology || typeof m.modelTopology !== 'object') {
    throw new ModelFormatError(`${path} has no 'modelTopology' object; is it a tfjs Layers model.json?`);
  }
  if (!Array.isArray(m.weightsManifest)) throw new ModelFormatError(`${path} has no 'weightsManifest' list`);
  return m as tf.io.ModelJSON;
}

/** Refuses layer classes that are neither built in nor allowed, naming each one and the fix. */
export function checkLayerClasses(topology: unknown, path: string): void {
  const refused = listLayerClasses(topology).filter((l) => !isAllowedLayerClass(l.className));
  if (refused.length) {
    const list = refused.map((l) => `'${l.name}' (class ${l.className})`).join(', ');
    throw new ModelFormatError(
      `${path}: refusing to load layer ${list}: not a built-in tfjs layer nor a registered one. ` +
        `If you trust this model, register the class first: registerLayer(${refused[0].className}) ` +
        `(or tf.serialization.registerClass + allowLayerClass('${refused[0].className}')), ` +
        `or expose it as 'static layers' on a model class registered in registries.models.`,
    );
  }
}

/** Reads the weight files of the manifest, checking names and byte counts against the specs. */
async function readWeights(dir: string, manifest: tf.io.WeightsManifestConfig, path: string) {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new ModelFormatError(`${path}: each weightsManifest entry needs 'paths' and 'weights' lists`);
    }
    for (const p of group.paths) {
      // Weight files must sit next to model.json: no absolute paths, no '..'.
      if (typeof p !== 'string' || isAbsolute(p) || normalize(p).startsWith('..') || basename(p) !== normalize(p)) {
        throw new ModelFormatError(`${path}: weight file path ${JSON.stringify(p)} must be a plain file name in ${dir}`);
      }
      try {
        parts.push(new Uint8Array(await readFile(join(dir, p))));
      } catch (err) {
        throw new ModelFormatError(`${path}: cannot read weight file '${p}': ${(err as Error).message}`, { cause: err });
      }
    }
    specs.push(...group.weights);
  }
  let expected = 0;
  for (const s of specs) {
    if (s.quantization) throw new ModelFormatError(`${path}: weight '${s.name}' is quantized; only float32/int32 weights are supported`);
    const bytes = DTYPE_BYTES[s.dtype];
    if (!bytes || !Array.isArray(s.shape)) throw new ModelFormatError(`${path}: weight '${s.name}' has unsupported dtype ${s.dtype}`);
    expected += s.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  const data = joinWeightData(parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer));
  if (data.byteLength !== expected) {
    throw new ModelFormatError(
      `${path}: the weights manifest describes ${expected} bytes but the weight files hold ${data.byteLength}`,
    );
  }
  return { specs, data };
}

/**
 * Loads a model saved by `saveModel` (or any tfjs Layers `model.json` + weight files).
 * Data only: the topology is checked against the allowed layer classes before tfjs sees
 * it, the weights must match the manifest exactly (and the recorded checksum, when
 * present), and every weight of the topology must be supplied.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<tf.LayersModel> {
  const path = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ModelFormatError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const json = parseModelJson(text, path);
  allowRegisteredLayers(options.registries);
  checkLayerClasses(json.modelTopology, path);
  const { specs, data } = await readWeights(dir, json.weightsManifest, path);
  const kiln = (json.userDefinedMetadata as { kiln?: { weightsSha256?: string } } | undefined)?.kiln;
  if (kiln?.weightsSha256 && kiln.weightsSha256 !== sha256(data)) {
    throw new ModelFormatError(`${path}: the weight files do not match the checksum recorded in model.json (partial or mixed save?)`);
  }
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new ModelFormatError(`${path}: weight '${s.name}' appears twice in the manifest`);
    names.add(s.name);
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: data.buffer as ArrayBuffer,
        userDefinedMetadata: json.userDefinedMetadata,
      }),
      { strict: true },
    );
  } catch (err) {
    throw new ModelFormatError(`${path}: tfjs could not rebuild the model: ${(err as Error).message}`, { cause: err });
  }
}
