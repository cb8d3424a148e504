import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';

/** Kernel names of the int8 inference kernels (registered for `native` only; no cpu twin, no gradient). */
export const INT8_KERNELS = {
  conv2d: 'KilnInt8Conv2D',
  dense: 'KilnInt8Dense',
} as const;

/**
 * Runs a prepacked int8 layer (attrs: `opId` from the addon, `batch` rows, `outShape`) on the
 * float32 input `x`: the addon quantizes x, runs oneDNN int8 and writes float32 into a pooled array.
 */
export function int8Run({ inputs, backend, attrs, addon }: NativeArgs) {
  const xv = f32(backend, inputs.x);
  if (!xv) throw new TypeError(`int8 kernels take a float32 tensor, got ${inputs.x?.dtype ?? 'nothing'}`);
  const outShape = attrs.outShape as number[];
  const y = backend.alloc(sizeOf(outShape));
  addon.int8Run(attrs.opId as number, xv, attrs.batch as number, y);
  return output(backend, [...outShape], y);
}
