import { f32, output, type NativeArgs } from '../kernel-util.js';

/** Softmax over the last axis (tfjs attr `dim`: -1 or rank-1). */
export function softmax({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.logits;
  const xv = f32(backend, x);
  if (!x || !xv || x.shape.length === 0) return null;
  const dim = (attrs.dim as number | undefined) ?? -1;
  if (dim !== -1 && dim !== x.shape.length - 1) return null;
  const cols = x.shape[x.shape.length - 1];
  if (cols === 0) return null;
  const out = backend.alloc(xv.length);
  addon.softmax(xv, cols, out, false);
  return output(backend, [...x.shape], out);
}
