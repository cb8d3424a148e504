import { decodeValues } from './dtypes';
import { WeightsFormatError } from './errors';
import { readFields, readVarints } from './protobuf';
import { numel, type TensorMap, type WeightDType } from './tensor-map';

/** ONNX TensorProto.DataType → element type (the ones weights use). */
const ONNX_TYPES: Record<number, WeightDType> = { 1: 'F32', 2: 'U8', 3: 'I8', 5: 'I16', 6: 'I32', 7: 'I64', 9: 'BOOL', 10: 'F16', 11: 'F64', 16: 'BF16' };

/**
 * Reads the initializers (the weights) of an ONNX model: ModelProto.graph (7) → GraphProto.initializer (5)
 * → TensorProto {dims 1, data_type 2, float_data 4, int32_data 5, int64_data 7, name 8, raw_data 9,
 * double_data 10, data_location 14}. Weights stored in external files are refused (they are not in the file).
 */
export function readOnnxInitializers(bytes: Uint8Array, source = 'onnx'): TensorMap {
  const model = readFields(bytes, source);
  const graph = model.find((f) => f.field === 7 && f.wire === 2);
  if (!graph) throw new WeightsFormatError(`${source}: no graph in the ONNX model (not an ONNX file?)`);
  const out: TensorMap = new Map();
  for (const init of readFields(graph.bytes!, `${source} graph`)) {
    if (init.field !== 5 || init.wire !== 2) continue;
    const t = readFields(init.bytes!, `${source} initializer`);
    const nameField = t.find((f) => f.field === 8 && f.wire === 2);
    const name = nameField ? new TextDecoder().decode(nameField.bytes) : `initializer_${out.size}`;
    const what = `${source}: initializer '${name}'`;
    const shape = readVarints(t, 1, what).map(Number);
    const code = Number(t.find((f) => f.field === 2 && f.wire === 0)?.varint ?? 0n);
    const dtype = ONNX_TYPES[code];
    if (!dtype) throw new WeightsFormatError(`${what} has ONNX data type ${code}, which is not read (supported: ${Object.values(ONNX_TYPES).join(', ')})`);
    if (t.some((f) => f.field === 14 && f.wire === 0 && f.varint === 1n)) throw new WeightsFormatError(`${what} is stored in an external file; only self-contained ONNX files are read`);
    const count = numel(shape);
    const raw = t.find((f) => f.field === 9 && f.wire === 2);
    let data;
    if (raw) data = decodeValues(raw.bytes!, dtype, count, what);
    else if (dtype === 'F32' || dtype === 'F64') {
      const field = dtype === 'F32' ? 4 : 10;
      const size = dtype === 'F32' ? 4 : 8;
      const parts = t.filter((f) => f.field === field).map((f) => f.bytes!);
      const joined = new Uint8Array(parts.reduce((s, b) => s + b.byteLength, 0));
      let o = 0;
      for (const b of parts) (joined.set(b, o), (o += b.byteLength));
      if (joined.byteLength !== count * size) throw new WeightsFormatError(`${what}: ${count} values expected, found ${joined.byteLength / size}`);
      data = decodeValues(joined, dtype, count, what);
    } else if (dtype === 'I64') {
      data = BigInt64Array.from(readVarints(t, 7, what).map((v) => BigInt.asIntN(64, v)));
    } else {
      // int32_data carries every small integer type, and F16/BF16 as their 16-bit patterns.
      const vals = readVarints(t, 5, what).map((v) => Number(BigInt.asIntN(32, v)));
      if (dtype === 'F16' || dtype === 'BF16') data = decodeValues(new Uint8Array(Uint16Array.from(vals).buffer), dtype, count, what);
      else data = decodeValues(new Uint8Array((dtype === 'I32' ? Int32Array : dtype === 'I16' ? Int16Array : dtype === 'I8' ? Int8Array : Uint8Array).from(vals).buffer), dtype, count, what);
    }
    if (data.length !== count) throw new WeightsFormatError(`${what}: shape [${shape.join(', ')}] needs ${count} values, found ${data.length}`);
    out.set(name, { shape, dtype, data });
  }
  return out;
}
