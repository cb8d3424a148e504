import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistries } from '@kiln/core';
import { listLayerClasses } from './layer-allowlist';
import { Mlp } from './mlp';
import { loadModel, ModelFormatError, saveModel } from './save-load';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-save-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A custom layer: doubles its input. Not built in, so loading refuses it until allowed. */
class TimesTwo extends tf.layers.Layer {
  static className = 'KilnTestTimesTwo';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2));
  }
}

function tinyMlp(): Mlp {
  return new Mlp({ numClasses: 3, inputShape: [2, 2, 1], hidden: [4], seed: 1 });
}

async function savedTiny(name: string): Promise<string> {
  const dir = join(tmp, name);
  const model = tinyMlp();
  await saveModel(model.net, dir);
  model.dispose();
  return dir;
}

function editJson(dir: string, edit: (json: any) => void): void {
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

describe('saveModel / loadModel', () => {
  it('writes model.json + weights.bin in the tfjs Layers format', async () => {
    const dir = await savedTiny('format');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    // 2·2·1 inputs → 4 hidden → 3 logits: (4·4 + 4) + (4·3 + 3) = 35 float32 values
    expect(readFileSync(join(dir, 'weights.bin')).byteLength).toBe(35 * 4);
    expect(json.userDefinedMetadata.kiln.weightsBytes).toBe(140);
  });

  it('refuses an unregistered layer class, naming the layer, its class and the fix', async () => {
    const dir = await savedTiny('evil');
    editJson(dir, (json) => {
      json.modelTopology.config.layers[2].class_name = 'EvilLayer';
    });
    await expect(loadModel(dir)).rejects.toThrow(ModelFormatError);
    await expect(loadModel(dir)).rejects.toThrow(/'mlp\/dense1' \(class EvilLayer\).*registerLayer\(EvilLayer\)/);
  });

  it('refuses a class that tfjs knows but that is not a layer or allowed (e.g. an optimizer)', async () => {
    const dir = await savedTiny('optimizer-class');
    editJson(dir, (json) => {
      json.modelTopology.config.layers[1].class_name = 'Adam';
    });
    await expect(loadModel(dir)).rejects.toThrow(/class Adam/);
  });

  it('loads a custom layer once it is registered (directly or through a registered model class)', async () => {
    const input = tf.input({ shape: [3] });
    const out = new TimesTwo({ name: 'double' }).apply(input) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: out });
    const dir = join(tmp, 'custom');
    await saveModel(net, dir);
    await expect(loadModel(dir)).rejects.toThrow(/\/double' \(class KilnTestTimesTwo\)/);

    class NetWithCustomLayer {
      static readonly type = 'net_with_custom_layer';
      static readonly layers = [TimesTwo];
    }
    const registries = createRegistries((r) => r.models.register(NetWithCustomLayer, 'test'));
    const loaded = await loadModel(dir, { registries });
    const y = loaded.predict(tf.tensor2d([[1, 2, 3]])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([2, 4, 6]);
  });

  it('refuses weights that do not match the manifest', async () => {
    const dir = await savedTiny('short');
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(100));
    await expect(loadModel(dir)).rejects.toThrow(/describes 140 bytes but the weight files hold 100/);
  });

  it('refuses weights whose checksum differs from the one model.json recorded', async () => {
    const dir = await savedTiny('checksum');
    const bytes = readFileSync(join(dir, 'weights.bin'));
    bytes[0] ^= 0xff;
    writeFileSync(join(dir, 'weights.bin'), bytes);
    await expect(loadModel(dir)).rejects.toThrow(/checksum/);
  });

  it('refuses a manifest that lacks a weight the topology needs', async () => {
    const dir = await savedTiny('missing-weight');
    editJson(dir, (json) => {
      json.weightsManifest[0].weights.pop(); // logits/bias: 3 floats
      delete json.userDefinedMetadata.kiln;
    });
    writeFileSync(join(dir, 'weights.bin'), readFileSync(join(dir, 'weights.bin')).subarray(0, 128));
    await expect(loadModel(dir)).rejects.toThrow(/could not rebuild/);
  });

  it('refuses weight paths outside the model folder', async () => {
    const dir = await savedTiny('traversal');
    editJson(dir, (json) => {
      json.weightsManifest[0].paths = ['../secret.bin'];
    });
    await expect(loadModel(dir)).rejects.toThrow(/must be a plain file name/);
  });

  it('explains a missing or malformed model.json', async () => {
    await expect(loadModel(join(tmp, 'nope'))).rejects.toThrow(/cannot read .*model\.json/);
    const dir = await savedTiny('garbage');
    writeFileSync(join(dir, 'model.json'), '{"hello": 1}');
    await expect(loadModel(dir)).rejects.toThrow(/no 'modelTopology'/);
  });

  it('lists the layers of nested topologies and wrappers', () => {
    const refs = listLayerClasses({
      class_name: 'Sequential',
      config: { name: 'outer', layers: [{ class_name: 'TimeDistributed', config: { name: 'td', layer: { class_name: 'Dense', config: { name: 'inner' } } } }] },
    });
    expect(refs).toEqual([
      { name: 'outer', className: 'Sequential' },
      { name: 'outer/td', className: 'TimeDistributed' },
      { name: 'outer/td/inner', className: 'Dense' },
    ]);
  });
});
