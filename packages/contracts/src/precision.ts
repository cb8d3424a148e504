/**
 * Mixed precision between the trainer and a tfjs backend that can run its convolutions and
 * matmuls in a lower precision while tensors stay float32 ("autocast" inside the kernels).
 * `@kiln/backend-native`'s NativeBackend implements it; the trainer finds it on `tf.backend()`.
 */

/** Compute type of convolutions and matmuls (inputs; outputs and accumulation stay float32). */
export type ComputeType = 'fp32' | 'bf16' | 'fp16';

/** How a backend runs a compute type: in hardware, or rounding inputs to its values (emulated). */
export interface ComputePrecisionInfo {
  type: ComputeType;
  emulated: boolean;
  /** The CPU's instruction set as the compute library reports it (e.g. `avx512_core_amx`). */
  isa: string;
  /** The CPU has bf16 instructions the library uses. */
  bf16: boolean;
  amx: boolean;
}

export interface PrecisionBackend {
  /** Throws a clear error when the CPU cannot run `type` natively and `emulate` is false. */
  setComputePrecision(type: ComputeType, emulate: boolean): ComputePrecisionInfo;
  computePrecision(): ComputePrecisionInfo;
}

/** True when `backend` (e.g. `tf.backend()`) implements PrecisionBackend. */
export function isPrecisionBackend(backend: unknown): backend is PrecisionBackend {
  const b = backend as Partial<PrecisionBackend> | null;
  return !!b && typeof b.setComputePrecision === 'function' && typeof b.computePrecision === 'function';
}
