import type { onnx } from 'onnx-proto';

/** Why an operator of a quantized ONNX graph still computes in float. */
const WHY: Record<string, string> = {
  LayerNormalization: 'mean and variance over a row need float range; int8 runtimes keep it float',
  Softmax: 'exp and normalisation; its [0, 1] outputs lose most of their precision in int8',
  MatMul: 'both operands are activations (attention scores and mixing), not weights; kept float',
  Erf: 'GELU nonlinearity, float',
  Tanh: 'nonlinearity, float',
  Sigmoid: 'nonlinearity, float',
  Add: 'bias, residual and BatchNorm shift additions; elementwise, float',
  Mul: 'elementwise scaling (BatchNorm without a conv before it, GELU, attention scale), float',
  Div: 'elementwise, float',
  Relu: 'elementwise on the dequantized value; runtimes fuse it into the int8 conv',
  Clip: 'elementwise (ReLU6) on the dequantized value; runtimes fuse it into the int8 conv',
  MaxPool: 'pooling compares values; float between Q/DQ pairs',
  AveragePool: 'pooling, float',
  ReduceMean: 'global pooling, float',
  ReduceMax: 'global pooling, float',
};
const LAYOUT = new Set(['Transpose', 'Reshape', 'Flatten', 'Identity', 'Pad', 'Concat', 'Squeeze', 'Unsqueeze']);

export interface Fp32Op {
  op: string;
  count: number;
  why: string;
}

/** The float operators left in a QDQ graph (layout-only ones left out), with the reason each stays float. */
export function fp32Ops(graph: onnx.IGraphProto, quantizedNodes: string[]): Fp32Op[] {
  const quantized = new Set(quantizedNodes);
  const counts = new Map<string, number>();
  for (const n of graph.node ?? []) {
    const op = n.opType ?? '';
    if (op === 'QuantizeLinear' || op === 'DequantizeLinear' || LAYOUT.has(op) || quantized.has(n.name || n.output![0])) continue;
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return [...counts].map(([op, count]) => ({ op, count, why: WHY[op] ?? 'no int8 kernel in the QDQ scheme; float' }));
}
