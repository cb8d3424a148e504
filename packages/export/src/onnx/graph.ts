import { onnx } from 'onnx-proto';

/**
 * Axis order of a value inside the ONNX graph. `keras` = the order tfjs uses (NHWC for
 * images, [N, tokens, dim] for sequences); `nchw` = a rank-4 value transposed for ONNX's
 * Conv/Pool operators. Converters ask for the layout they need and the graph inserts (and
 * caches) the Transpose, so a run of conv layers stays NCHW without a transpose per layer.
 */
export type Layout = 'keras' | 'nchw';

export interface Value {
  name: string;
  /** Shape in keras order; `null` = unknown (the batch). */
  shape: (number | null)[];
  layout: Layout;
}

export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: number[] }
  | { floats: number[] };

export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

function attribute(name: string, a: Attr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('s' in a) return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: T.INTS, ints: a.ints };
  return { name, type: T.FLOATS, floats: a.floats };
}

/** Collects nodes and initializers of one ONNX graph, with unique value names. */
export class OnnxGraph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly transposed = new Map<string, Value>();

  /** `base`, or `base_1`, `base_2`, … when taken. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Marks a name as taken (graph inputs). */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** A float32 initializer (weights, constants). */
  floats(base: string, data: Float32Array | number[], dims: number[]): string {
    const name = this.uniqueName(base);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== f32.length) throw new Error(`initializer ${name}: ${f32.length} values for dims [${dims}]`);
    // raw_data is little-endian by the ONNX spec; copy so the bytes are exactly this tensor's.
    const raw = new Uint8Array(f32.byteLength);
    new Float32Array(raw.buffer).set(f32);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** An int64 initializer (shapes, axes). */
  int64s(base: string, data: number[]): string {
    const name = this.uniqueName(base);
    const raw = new Uint8Array(data.length * 8);
    const view = new DataView(raw.buffer);
    data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims: [data.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw });
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  node(opType: string, inputs: string[], base: string, attrs: Record<string, Attr> = {}): string {
    return this.nodeTo(opType, inputs, this.uniqueName(base), attrs);
  }

  /** Adds a node whose output has exactly the name `output` (reserved beforehand). */
  nodeTo(opType: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}): string {
    this.nodes.push({
      opType,
      name: output,
      input: inputs,
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** The value in NCHW (rank 4 only), transposing once per value. */
  nchw(v: Value): Value {
    if (v.layout === 'nchw') return v;
    if (v.shape.length !== 4) throw new Error(`${v.name}: NCHW needs a rank-4 value, got rank ${v.shape.length}`);
    return this.cachedTranspose(v, 'nchw', TO_NCHW);
  }

  /** The value in tfjs (keras) axis order. */
  keras(v: Value): Value {
    if (v.layout === 'keras') return v;
    return this.cachedTranspose(v, 'keras', TO_NHWC);
  }

  /** The value in `layout`. */
  as(v: Value, layout: Layout): Value {
    return layout === 'nchw' ? this.nchw(v) : this.keras(v);
  }

  private cachedTranspose(v: Value, layout: Layout, perm: number[]): Value {
    const key = `${v.name}->${layout}`;
    const hit = this.transposed.get(key);
    if (hit) return hit;
    const name = this.node('Transpose', [v.name], `${v.name}_${layout}`, { perm: { ints: perm } });
    const out: Value = { name, shape: v.shape, layout };
    this.transposed.set(key, out);
    // Going back needs no second transpose.
    this.transposed.set(`${name}->${v.layout}`, v);
    return out;
  }
}

/** The ONNX axis that holds keras axis `axis` of `v` (negative axes count from the end). */
export function onnxAxis(v: Value, axis: number): number {
  const rank = v.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return v.layout === 'nchw' ? TO_NCHW.indexOf(a) : a;
}
