import * as tf from '@kiln/contracts/tf';
import { z } from '@kiln/core';
export type Initializer = ReturnType<typeof tf.initializers.heNormal>;

/** Weight initialisers a config may name (snake_case → tfjs initialiser). */
export const INITIALIZERS = ['he_normal', 'he_uniform', 'glorot_uniform', 'glorot_normal', 'lecun_normal', 'lecun_uniform'] as const;
export type InitializerName = (typeof INITIALIZERS)[number];

/**
 * Options every zoo model takes. `numClasses` and `inputShape` come from the data module
 * at build time (`[height, width, channels]`); `seed` (or the run's seed) makes the
 * initial weights reproducible.
 */
export const baseModelOptions = {
  numClasses: z.number().int().min(1),
  inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  /** Initialiser of conv and hidden dense kernels (the logits layer uses glorot_uniform). */
  init: z.enum(INITIALIZERS).default('he_normal'),
  seed: z.number().int().optional(),
  /**
   * Weights to start from: a .safetensors, .pth/.pt (torch.save(state_dict)) or .onnx file with Kiln's
   * weight names or a known PyTorch layout (torchvision resnet18/34 and mobilenet_v2, timm vit_tiny).
   * A logits layer of another class count is re-initialised with a WARN.
   */
  pretrained: z.string().min(1).nullish(),
  /** With `pretrained`: every weight must be in the file with its shape and nothing else (else a WARN lists what was skipped). */
  strict: z.boolean().default(true),
};

export function makeInitializer(name: InitializerName, seed: number | undefined): Initializer {
  const args = seed === undefined ? {} : { seed };
  switch (name) {
    case 'he_normal':
      return tf.initializers.heNormal(args);
    case 'he_uniform':
      return tf.initializers.heUniform(args);
    case 'glorot_uniform':
      return tf.initializers.glorotUniform(args);
    case 'glorot_normal':
      return tf.initializers.glorotNormal(args);
    case 'lecun_normal':
      return tf.initializers.leCunNormal(args);
    case 'lecun_uniform':
      return tf.initializers.leCunUniform(args);
  }
}
