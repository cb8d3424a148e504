import { onnx } from 'onnx-proto';

const DT = onnx.TensorProto.DataType;

/** The float32 values of an initializer (raw_data or float_data), copied into an aligned array. */
export function floatValues(t: onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    const bytes = Uint8Array.from(t.rawData);
    return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

export const dimsOf = (t: onnx.ITensorProto): number[] => (t.dims ?? []).map(Number);

export const isFloatInitializer = (t: onnx.ITensorProto | undefined): t is onnx.ITensorProto => !!t && t.dataType === DT.FLOAT;

function tensor(name: string, dims: number[], dataType: number, raw: Uint8Array): onnx.ITensorProto {
  return { name, dims, dataType, rawData: raw };
}

export function floatTensor(name: string, data: Float32Array, dims: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(data.byteLength);
  new Float32Array(raw.buffer).set(data);
  return tensor(name, dims, DT.FLOAT, raw);
}

export function int8Tensor(name: string, data: Int8Array, dims: number[]): onnx.ITensorProto {
  return tensor(name, dims, DT.INT8, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
}

export function int32Tensor(name: string, data: Int32Array, dims: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(data.byteLength);
  new Int32Array(raw.buffer).set(data);
  return tensor(name, dims, DT.INT32, raw);
}

/** Unique value names for nodes and initializers added to an existing graph. */
export class NameSet {
  private readonly used = new Set<string>();
  constructor(graph: onnx.IGraphProto) {
    for (const n of graph.node ?? []) for (const o of [...(n.output ?? []), ...(n.input ?? []), n.name ?? '']) this.used.add(o);
    for (const t of graph.initializer ?? []) this.used.add(t.name ?? '');
    for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) this.used.add(v.name ?? '');
  }

  take(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/** Drops initializers that no node reads any more. */
export function pruneInitializers(graph: onnx.IGraphProto): void {
  const read = new Set<string>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) read.add(i);
  for (const o of graph.output ?? []) read.add(o.name ?? '');
  graph.initializer = (graph.initializer ?? []).filter((t) => read.has(t.name ?? ''));
}
