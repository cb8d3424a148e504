import type { onnx } from 'onnx-proto';
import { dimsOf, floatTensor, floatValues, isFloatInitializer, NameSet, pruneInitializers } from './onnx-tensors';

/**
 * Folds an inference BatchNorm (written by the BatchNormalization converter as `Mul` by a
 * per-channel constant then `Add` of one) into the Conv before it: W'[c] = W[c]·s[c],
 * B'[c] = B[c]·s[c] + t[c]. Quantizing the folded weights is what int8 runtimes execute
 * (one conv, no float scale/shift after it). Returns the names of the folded Conv nodes.
 * Mutates `graph`.
 */
export function foldBatchNorm(graph: onnx.IGraphProto): string[] {
  const nodes = graph.node ?? [];
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumers = new Map<string, onnx.INodeProto[]>();
  for (const n of nodes) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const names = new NameSet(graph);
  const removed = new Set<onnx.INodeProto>();
  const folded: string[] = [];

  /** The per-channel constant `op` node applies to `value`, when it is the value's only reader. */
  const channelConst = (value: string, op: string, channels: number): { node: onnx.INodeProto; data: Float32Array } | undefined => {
    const readers = consumers.get(value) ?? [];
    if (readers.length !== 1 || outputs.has(value)) return undefined;
    const node = readers[0];
    if (node.opType !== op || node.input?.length !== 2) return undefined;
    const other = node.input[0] === value ? node.input[1] : node.input[0];
    const t = inits.get(other);
    if (!isFloatInitializer(t)) return undefined;
    const dims = dimsOf(t);
    const ok = (dims.length === 3 && dims[0] === channels && dims[1] === 1 && dims[2] === 1) || (dims.length === 1 && dims[0] === channels);
    return ok ? { node, data: floatValues(t) } : undefined;
  };

  for (const conv of nodes) {
    if (conv.opType !== 'Conv' || removed.has(conv)) continue;
    const w = inits.get(conv.input?.[1] ?? '');
    if (!isFloatInitializer(w)) continue;
    const wDims = dimsOf(w);
    const c = wDims[0];
    const out = conv.output![0];
    const mul = channelConst(out, 'Mul', c);
    if (!mul) continue;
    const add = channelConst(mul.node.output![0], 'Add', c);
    if (!add) continue;
    const wData = floatValues(w);
    const per = wData.length / c;
    const wNew = new Float32Array(wData.length);
    for (let o = 0; o < c; o++) for (let j = 0; j < per; j++) wNew[o * per + j] = wData[o * per + j] * mul.data[o];
    const b = conv.input![2] ? inits.get(conv.input![2]) : undefined;
    const bData = isFloatInitializer(b) ? floatValues(b) : new Float32Array(c);
    const bNew = bData.map((v, o) => v * mul.data[o] + add.data[o]);
    const wName = names.take(`${conv.name}_W_folded`);
    const bName = names.take(`${conv.name}_B_folded`);
    graph.initializer!.push(floatTensor(wName, wNew, wDims), floatTensor(bName, bNew, [c]));
    inits.set(wName, graph.initializer!.at(-2)!);
    inits.set(bName, graph.initializer!.at(-1)!);
    conv.input = [conv.input![0], wName, bName];
    conv.output = [add.node.output![0]];
    removed.add(mul.node).add(add.node);
    folded.push(conv.name ?? out);
  }
  graph.node = nodes.filter((n) => !removed.has(n));
  pruneInitializers(graph);
  return folded;
}
