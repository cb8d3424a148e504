/**
 * Op codes understood by the addon: the TypeScript mirror of `src/ops.h`
 * (op-codes.test.ts parses the header and fails on any difference).
 */

/** Fused activations of convolutions and matmuls (`enum Act`). */
export const ACT = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 } as const;

/** Broadcasting binary ops (`enum BinaryOp`), keyed by tfjs kernel name. */
export const BINARY = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6, Pow: 7, FloorDiv: 8,
  Equal: 16, NotEqual: 17, Greater: 18, GreaterEqual: 19, Less: 20, LessEqual: 21,
  LogicalAnd: 24, LogicalOr: 25,
} as const;

/** Unary float ops (`enum UnaryOp`), keyed by tfjs kernel name (Gelu/GeluTanh: Kiln's). */
export const UNARY = {
  Relu: 0, Relu6: 1, LeakyRelu: 2, Sigmoid: 3, Elu: 4, Step: 5, Square: 6, Sqrt: 7, Neg: 8, Exp: 9, Abs: 10,
  Rsqrt: 11, Log: 12, Erf: 13, Floor: 14, Ceil: 15, Tanh: 16, ClipByValue: 17, Reciprocal: 18, Softplus: 19,
  Log1p: 20, Expm1: 21, Sign: 22, Round: 23, Gelu: 24, GeluTanh: 25,
} as const;

/** Single-pass activation gradients (`enum GradOp`). */
export const GRAD = {
  Relu: 0, Relu6: 1, ClipByValue: 2, Sigmoid: 3, Tanh: 4, Erf: 5, Gelu: 6, GeluTanh: 7, Elu: 8, LeakyRelu: 9,
} as const;

/** Reductions (`enum ReduceOp`), keyed by tfjs kernel name. */
export const REDUCE = { Sum: 0, Max: 1, Min: 2, Mean: 3, Prod: 4, ArgMax: 5, ArgMin: 6 } as const;

/** Compute types of convolutions and matmuls under `setPrecision` (`enum Precision`). */
export const PRECISION = { F32: 0, Bf16: 1, F16: 2 } as const;

/** Returns the addon activation code, or -1 when unsupported natively (e.g. prelu). */
export function activationCode(name: string | undefined): number {
  const code = (ACT as Record<string, number>)[name ?? 'linear'];
  return code === undefined ? -1 : code;
}
