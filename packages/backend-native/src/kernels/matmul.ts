import { broadcast_util } from '@tensorflow/tfjs-core';
import { activationCode } from '../op-codes.js';
import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';

/** GEMM engine: 0 = OpenBLAS cblas_sgemm, 1 = oneDNN dnnl_sgemm (KILN_NATIVE_GEMM). */
export function gemmEngine(): number {
  return process.env.KILN_NATIVE_GEMM === 'openblas' ? 0 : 1;
}

/** BatchMatMul and _FusedMatMul (bias + activation applied in C++). */
export function batchMatMul({ inputs, backend, attrs, addon }: NativeArgs) {
  const { a, b, bias, preluActivationWeights } = inputs;
  if (!a || !b || preluActivationWeights) return null;
  const act = activationCode(attrs.activation as string | undefined);
  const av = f32(backend, a), bv = f32(backend, b);
  if (act < 0 || !av || !bv || a.shape.length < 2 || b.shape.length < 2) return null;
  const ta = Boolean(attrs.transposeA), tb = Boolean(attrs.transposeB);
  const ra = a.shape.length, rb = b.shape.length;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const k2 = tb ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== k2) return null; // let the cpu kernel raise its error
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA), batchB = sizeOf(outerB);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = sizeOf(outer);
  // Supported: equal batches, or one side broadcast from a single matrix.
  if (!(batchA === batchB || batchA === 1 || batchB === 1) || batch !== Math.max(batchA, batchB)) return null;
  let biasV: Float32Array | null = null;
  if (bias) {
    biasV = f32(backend, bias);
    if (!biasV || sizeOf(bias.shape) !== n) return null;
  }
  const out = backend.alloc(batch * m * n);
  addon.gemm(av, bv, out, batch, m, n, k, ta, tb, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n,
    gemmEngine(), biasV, act, (attrs.leakyreluAlpha as number | undefined) ?? 0.2);
  return output(backend, [...outer, m, n], out);
}
