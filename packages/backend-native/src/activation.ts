/** Activation codes understood by the addon (must match native_common.h). */
export const ACT_CODES: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  sigmoid: 4,
  elu: 5,
};

/** Returns the addon activation code, or -1 when unsupported natively (e.g. prelu). */
export function activationCode(name: string | undefined): number {
  const code = ACT_CODES[name ?? 'linear'];
  return code === undefined ? -1 : code;
}
