// The README's "your own model" example, verbatim, so it keeps compiling and working.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { ComponentBuilder, z, createRegistries } from '@kiln/core';
import { register as registerModels, ZooModel, baseModelOptions } from '@kiln/models';

class MyNet extends ZooModel {
  static readonly type = 'my_net';
  static readonly optionsSchema = z.object({ ...baseModelOptions, units: z.number().int().default(64) }).strict();
  readonly net: tf.LayersModel;
  constructor(options: z.input<typeof MyNet.optionsSchema>) {
    super();
    const o = MyNet.optionsSchema.parse(options);
    this.net = tf.sequential({ name: 'my_net', layers: [
      tf.layers.flatten({ inputShape: o.inputShape }),
      tf.layers.dense({ units: o.units, activation: 'relu' }),
      tf.layers.dense({ units: o.numClasses }),            // logits
    ] });
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('registers a user model and builds it by name from config', () => {
  const registries = createRegistries(registerModels);
  registries.models.register(MyNet, 'my-app');
  const model = new ComponentBuilder(registries).build<MyNet>('models', { _target_: 'my_net', units: 128 }, 'model', {
    numClasses: 3,
    inputShape: [4, 4, 1],
  });
  expect(model.net.outputs[0].shape).toEqual([null, 3]);
  expect(model.summary()).toMatch(/Total params: 2,563\n/); // 16·128 + 128 + 128·3 + 3
  model.dispose();
});
