/**
 * Element types as safetensors names them. Readers of the other formats map theirs onto these,
 * so every reader returns the same {@link TensorMap}.
 */
export type WeightDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/**
 * One tensor, row-major (C order). `dtype` is the stored type; F16/BF16 values are widened to a
 * Float32Array on read (exactly: every half value is a float32 value), the others keep their type.
 */
export interface WeightTensor {
  shape: number[];
  dtype: WeightDType;
  data: TensorData;
}

/** Tensors by name, in file order. */
export type TensorMap = Map<string, WeightTensor>;

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The tensor's values as float32 (a copy only when the stored type is not float32). I64 must fit a double. */
export function toFloat32(t: WeightTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data as ArrayLike<number>);
}
