import type * as tf from '@tensorflow/tfjs';
import { ConfigError, suggest } from '@kiln/core';

/** `*` matches any run of characters; the whole name must match. */
function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * `trainer.freeze` / `trainer.unfreezeAt` (like Lightning's BaseFinetuning freeze + unfreeze at an
 * epoch): a pattern matches a weight's layer name (`stem_conv`) or full name (`stem_conv/kernel`).
 * Frozen variables are left out of the gradient and the optimizer step, so they get no gradient and
 * no optimizer state; from epoch `unfreezeAt` on they train, their optimizer state starting fresh.
 * Which variables train depends only on the epoch, so a resumed run is exact.
 */
export class FreezePlan {
  private readonly active: Map<string, tf.Variable>;
  readonly frozen: string[];

  constructor(
    private readonly all: Map<string, tf.Variable>,
    net: tf.LayersModel,
    patterns: readonly string[],
    private readonly unfreezeAt: number | null,
  ) {
    const names = net.trainableWeights.map((w) => ({ key: w.name, full: w.originalName, layer: w.originalName.split('/')[0] }));
    const frozen = new Set<string>();
    for (const pattern of patterns) {
      const re = globToRegExp(pattern);
      const hits = names.filter((n) => re.test(n.layer) || re.test(n.full));
      if (!hits.length) {
        const layers = [...new Set(names.map((n) => n.layer))];
        const close = suggest(pattern, layers);
        throw new ConfigError(
          `trainer.freeze: '${pattern}' matches no trainable layer${close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(', ')}?)` : ''}; layers: ${layers.slice(0, 12).join(', ')}${layers.length > 12 ? ', …' : ''}`,
          { path: 'trainer.freeze', key: pattern },
        );
      }
      for (const h of hits) frozen.add(h.key);
    }
    this.frozen = [...frozen];
    this.active = new Map([...all].filter(([k]) => !frozen.has(k)));
  }

  /** The variables that train in `epoch`. */
  varsAt(epoch: number): Map<string, tf.Variable> {
    return this.frozen.length && (this.unfreezeAt === null || epoch < this.unfreezeAt) ? this.active : this.all;
  }
}
