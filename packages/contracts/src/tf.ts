// `@kiln/contracts/tf`: the part of the `@tensorflow/tfjs` umbrella Kiln runs on — tfjs-core (ops,
// tf.train, tf.io, gradients), tfjs-layers (tf.layers, tf.model, …) and the cpu backend (the
// fallback, and the base of @kiln/backend-native), with the umbrella's chained Tensor methods.
// The umbrella also loads tfjs-converter, tfjs-data and the WebGL backend, which a training run
// never uses: about half of tfjs's module-load time at every start (issue 21). Import it
// wherever you would import `* as tf from '@tensorflow/tfjs'`; user code may still load the umbrella
// (same tfjs-core, same registries).
import '@tensorflow/tfjs-backend-cpu';
import { installChainedOps } from './tf-chained-ops';

installChainedOps();

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
// tfjs-core's declarations of the chained methods (module augmentation of Tensor), kept in this file's
// .d.ts so that code importing only `@kiln/contracts/tf` type-checks `x.add(y)`; nothing at run time.
export type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
