import type { ComputePrecisionInfo, ComputeType } from '@kiln/contracts';
import type { NativeAddon } from './native-addon.js';
import { PRECISION } from './op-codes.js';

const CODE: Record<ComputeType, number> = { fp32: PRECISION.F32, bf16: PRECISION.Bf16, fp16: PRECISION.F16 };
const TYPE: Record<number, ComputeType> = { [PRECISION.F32]: 'fp32', [PRECISION.Bf16]: 'bf16', [PRECISION.F16]: 'fp16' };

/** What the addon reports, as the contract's ComputePrecisionInfo. */
export function precisionInfo(addon: NativeAddon): ComputePrecisionInfo {
  const i = addon.precisionInfo();
  return { type: TYPE[i.mode] ?? 'fp32', emulated: i.emulated, isa: i.isa, bf16: i.bf16, amx: i.amx };
}

/**
 * Why `type` cannot run natively on a CPU with `isa` (undefined when it can). Checked here
 * before the addon (which checks again) so the message names what is missing and the way out.
 */
export function precisionUnsupported(type: ComputeType, isa: Pick<ComputePrecisionInfo, 'isa' | 'bf16'>): string | undefined {
  if (type === 'bf16' && !isa.bf16) {
    return `bf16 compute needs a CPU with AVX512-BF16 or AMX (oneDNN ISA avx512_core_bf16 or avx512_core_amx); ` +
      `this CPU's oneDNN ISA is ${isa.isa}. Use precision 32-true, or KILN_PRECISION_EMULATE=1 for bf16 numerics ` +
      'at fp32 speed (slower than 32-true)';
  }
  if (type === 'fp16') {
    return 'fp16 compute: oneDNN 2.6 has no fp16 convolution or matmul on CPU; only the emulated path exists ' +
      '(inputs rounded to fp16 values, fp32 compute)';
  }
  return undefined;
}

/**
 * Sets the compute type of the addon's convolutions and matmuls. `emulate`: round their inputs
 * to bf16/fp16 values and compute in fp32 (any CPU). Throws when `type` needs hardware this CPU lacks.
 */
export function setPrecision(addon: NativeAddon, type: ComputeType, emulate: boolean): ComputePrecisionInfo {
  const why = type === 'fp32' || emulate ? undefined : precisionUnsupported(type, precisionInfo(addon));
  if (why) throw new Error(why);
  addon.setPrecision(CODE[type], emulate && type !== 'fp32');
  return precisionInfo(addon);
}
