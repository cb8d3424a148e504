/**
 * A tf.train.Optimizer whose update is the native backend's fused KilnApplyAdam kernel
 * (one C++ call per variable, PyTorch semantics), for the `native-fused` bench variant.
 */
import * as tf from '@tensorflow/tfjs';
import { KILN_KERNELS, type AdamAttrs } from '@kiln/contracts';

export class FusedAdam extends tf.Optimizer {
  static override get className(): string {
    return 'KilnFusedAdam';
  }
  private step = 0;
  private readonly slots = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(private readonly lr: number) {
    super();
  }

  applyGradients(grads: tf.NamedTensorMap | tf.NamedTensor[]): void {
    const list = Array.isArray(grads) ? grads : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
    this.step++;
    const attrs: AdamAttrs = { lr: this.lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: this.step, weightDecay: 0, decoupled: false };
    for (const { name, tensor } of list) {
      const param = tf.engine().registeredVariables[name];
      let s = this.slots.get(name);
      if (!s) {
        s = { m: tf.variable(tf.zerosLike(param), false), v: tf.variable(tf.zerosLike(param), false) };
        this.slots.set(name, s);
      }
      const [p2, m2, v2] = tf.engine().runKernel(KILN_KERNELS.ApplyAdam,
        { param, grad: tensor, m: s.m, v: s.v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      param.assign(p2);
      s.m.assign(m2);
      s.v.assign(v2);
      tf.dispose([p2, m2, v2]);
    }
  }

  override dispose(): void {
    for (const s of this.slots.values()) tf.dispose([s.m, s.v]);
    this.slots.clear();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.lr };
  }
}
