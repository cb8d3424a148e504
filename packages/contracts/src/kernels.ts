/**
 * Names and attributes of Kiln's fused tfjs kernels. A backend (e.g. `@kiln/backend-native`)
 * that registers one of these kernels also registers its gradient; callers (`@kiln/models`'
 * layers, `@kiln/trainer`'s optimizers) run the kernel only when
 * `getKernel(name, getBackend())` finds it and otherwise compute the same result from
 * standard tfjs ops, so every backend (cpu, wasm, webgl, a browser) gives the same numbers.
 */
export const KILN_KERNELS = {
  /**
   * Layer normalisation over the last axis. inputs `{ x, gamma, beta }` (gamma/beta: `[C]`,
   * C = last dim of x); attrs {@link LayerNormAttrs}; output `y` with x's shape.
   * `y = (x - mean) / sqrt(var + epsilon) * gamma + beta` (biased variance, as PyTorch).
   */
  LayerNorm: 'KilnLayerNorm',
  /**
   * Training-mode batch normalisation over every axis but the last (channels last), with
   * batch statistics. inputs `{ x, gamma, beta }` (`[C]`, C = last dim of x); attrs
   * {@link BatchNormTrainAttrs}; outputs `[y, mean, variance]` (mean and biased variance per
   * channel, for the caller's running statistics). `y = (x - mean) / sqrt(variance + epsilon) * gamma + beta`.
   */
  BatchNormTrain: 'KilnBatchNormTrain',
  /** GELU. inputs `{ x }`; attrs {@link GeluAttrs}; output `y`. Exact: `0.5·x·(1 + erf(x/√2))`. */
  Gelu: 'KilnGelu',
  /**
   * One Adam/AdamW update of one variable. inputs `{ param, grad, m, v }` (same shape);
   * attrs {@link AdamAttrs}; outputs `[param', m', v']` (new tensors; inputs unchanged).
   */
  ApplyAdam: 'KilnApplyAdam',
  /**
   * One SGD update. inputs `{ param, grad }` plus `velocity` when `momentum > 0`;
   * attrs {@link SgdAttrs}; outputs `[param']` or `[param', velocity']`.
   */
  ApplySgd: 'KilnApplySgd',
  /**
   * One RMSprop update. inputs `{ param, grad, squareAvg }` plus `momentumBuf` when
   * `momentum > 0` and `gradAvg` when `centered`; attrs {@link RmsPropAttrs};
   * outputs `[param', squareAvg', momentumBuf'?, gradAvg'?]` in that order (absent ones skipped).
   */
  ApplyRmsProp: 'KilnApplyRmsProp',
} as const;

export type KilnKernelName = (typeof KILN_KERNELS)[keyof typeof KILN_KERNELS];

export interface LayerNormAttrs {
  epsilon: number;
}

export interface BatchNormTrainAttrs {
  epsilon: number;
}

export interface GeluAttrs {
  /** `true`: tanh approximation; `false` (default): exact erf form. */
  approximate: boolean;
}

/** PyTorch semantics (torch.optim.Adam / AdamW, amsgrad off). */
export interface AdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based step number for bias correction. */
  step: number;
  weightDecay: number;
  /** `true`: AdamW (decoupled: `param -= lr·wd·param`); `false`: L2 added to the gradient. */
  decoupled: boolean;
}

/** PyTorch semantics (torch.optim.SGD). */
export interface SgdAttrs {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /** `true` on the first step of a fresh velocity buffer (PyTorch: `buf = grad`). */
  firstStep: boolean;
}

/** PyTorch semantics (torch.optim.RMSprop). */
export interface RmsPropAttrs {
  lr: number;
  alpha: number;
  epsilon: number;
  momentum: number;
  centered: boolean;
  weightDecay: number;
}
