import { DTYPE_BYTES, decodeValues } from './dtypes';
import { WeightsFormatError } from './errors';
import { PickleGlobal, unpickle, type PickleCall } from './pickle';
import { numel, type TensorData, type TensorMap, type WeightDType } from './tensor-map';
import { isZip, ZipArchive } from './zip';

/** torch storage classes → element type. */
const STORAGES: Record<string, WeightDType> = {
  'torch.FloatStorage': 'F32',
  'torch.DoubleStorage': 'F64',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.LongStorage': 'I64',
  'torch.IntStorage': 'I32',
  'torch.ShortStorage': 'I16',
  'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8',
  'torch.BoolStorage': 'BOOL',
};

interface StorageRef {
  kind: 'storage';
  key: string;
  dtype: WeightDType;
  numel: number;
}

interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

const isStorage = (v: unknown): v is StorageRef => (v as StorageRef)?.kind === 'storage';
const isTensorRef = (v: unknown): v is TensorRef => (v as TensorRef)?.kind === 'tensor';
const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);

function rebuildTensor(source: string): PickleCall {
  return ([storage, offset, size, stride]) => {
    if (!isStorage(storage) || !Number.isSafeInteger(offset) || !ints(size) || !ints(stride) || size.length !== stride.length) {
      throw new WeightsFormatError(`${source}: a tensor rebuild has unexpected arguments`);
    }
    return { kind: 'tensor', storage, offset: offset as number, size: [...size], stride: [...stride] } satisfies TensorRef;
  };
}

/**
 * Reads `torch.save(state_dict)` files (the zip format of torch ≥ 1.6): `<name>/data.pkl` unpickled
 * with an allow-list (dict/OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter, the
 * typed storages; anything else refused by name), storages from `<name>/data/<key>`. Strided tensors
 * are gathered into row-major order. A checkpoint dict holding the weights under `state_dict`,
 * `model_state_dict` or `model` is unwrapped.
 */
export function readTorch(bytes: Uint8Array, source = 'pth'): TensorMap {
  if (!isZip(bytes)) {
    if (new TextDecoder('latin1').decode(bytes.subarray(0, 8)) === 'KILNCKPT') {
      throw new WeightsFormatError(`${source}: this is a Kiln checkpoint, not a torch.save file; continue a run with trainer.resume, or use its run folder as loss.teacher`);
    }
    if (bytes[0] === 0x80) {
      throw new WeightsFormatError(
        `${source}: this is torch's legacy (pre-1.6, non-zip) serialization, which is not read; re-save it with a current torch: torch.save(torch.load(f, weights_only=True), 'out.pth')`,
      );
    }
    throw new WeightsFormatError(`${source}: not a torch.save zip archive (no zip signature)`);
  }
  const zip = new ZipArchive(bytes, source);
  const pkl = [...zip.entries.keys()].find((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new WeightsFormatError(`${source}: a zip without <name>/data.pkl is not a torch.save file (entries: ${[...zip.entries.keys()].slice(0, 5).join(', ')})`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little') throw new WeightsFormatError(`${source}: byte order '${order}' is not supported (little-endian only)`);
  }
  const storages = new Map<string, StorageRef>();
  const rebuild = rebuildTensor(source);
  const root = unpickle(zip.read(pkl), {
    source: `${source} (${pkl})`,
    names: new Set(Object.keys(STORAGES)),
    calls: {
      'collections.OrderedDict': (args) => new Map((args[0] as Array<[unknown, unknown]> | undefined) ?? []),
      'torch._utils._rebuild_tensor_v2': rebuild,
      'torch._utils._rebuild_tensor': rebuild,
      'torch._utils._rebuild_parameter': ([data]) => data,
      'torch._utils._rebuild_parameter_with_state': ([data]) => data,
    },
    persistentLoad: (pid) => {
      const [tag, type, key, , count] = (Array.isArray(pid) ? pid : []) as unknown[];
      if (tag !== 'storage' || !(type instanceof PickleGlobal) || typeof key !== 'string' || !Number.isSafeInteger(count)) {
        throw new WeightsFormatError(`${source}: unexpected persistent id ${JSON.stringify(pid)}`);
      }
      const dtype = STORAGES[type.name];
      const ref = storages.get(key) ?? { kind: 'storage' as const, key, dtype, numel: count as number };
      storages.set(key, ref);
      return ref;
    },
  });
  const dict = unwrapStateDict(root, source);
  const loaded = new Map<string, TensorData>();
  const out: TensorMap = new Map();
  for (const [name, value] of dict) {
    if (typeof name !== 'string') throw new WeightsFormatError(`${source}: a state_dict key is not a string (${String(name)})`);
    if (!isTensorRef(value)) continue; // e.g. a stray int; only tensors are weights
    const s = value.storage;
    let data = loaded.get(s.key);
    if (!data) {
      const entry = `${prefix}data/${s.key}`;
      const raw = zip.read(entry);
      if (raw.byteLength !== s.numel * DTYPE_BYTES[s.dtype]) {
        throw new WeightsFormatError(`${source}: storage ${entry} has ${raw.byteLength} bytes; ${s.numel} ${s.dtype} values need ${s.numel * DTYPE_BYTES[s.dtype]}`);
      }
      data = decodeValues(raw, s.dtype, s.numel, `${source}: storage ${s.key}`);
      loaded.set(s.key, data);
    }
    out.set(name, { shape: value.size, dtype: s.dtype, data: gather(data, value, `${source}: '${name}'`) });
  }
  return out;
}

function unwrapStateDict(root: unknown, source: string): Map<unknown, unknown> {
  if (!(root instanceof Map)) throw new WeightsFormatError(`${source}: the pickled object is not a dict (save a state_dict: torch.save(model.state_dict(), f))`);
  const hasTensors = [...root.values()].some(isTensorRef);
  if (hasTensors) return root;
  for (const key of ['state_dict', 'model_state_dict', 'model']) {
    const inner = root.get(key);
    if (inner instanceof Map) return inner;
  }
  throw new WeightsFormatError(`${source}: no tensors found at the top level nor under state_dict/model_state_dict/model (keys: ${[...root.keys()].slice(0, 8).join(', ')})`);
}

/** Copies a (possibly strided, offset) view of a storage into a row-major array, bounds checked. */
function gather(data: TensorData, t: TensorRef, what: string): TensorData {
  const count = numel(t.size);
  let last = t.offset;
  for (let d = 0; d < t.size.length; d++) if (t.size[d] > 0) last += (t.size[d] - 1) * t.stride[d];
  if (count > 0 && (t.offset < 0 || last >= data.length)) throw new WeightsFormatError(`${what}: its view reaches past its storage of ${data.length} values`);
  const contiguous = t.size.every((_, d) => t.stride[d] === numel(t.size.slice(d + 1)) || t.size[d] === 1);
  if (contiguous) return (t.offset === 0 && count === data.length ? data : data.subarray(t.offset, t.offset + count)) as TensorData;
  const out = new (data.constructor as new (n: number) => TensorData)(count);
  const idx = new Array<number>(t.size.length).fill(0);
  for (let i = 0; i < count; i++) {
    let src = t.offset;
    for (let d = 0; d < idx.length; d++) src += idx[d] * t.stride[d];
    (out as unknown as unknown[])[i] = (data as unknown as unknown[])[src];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.size[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}
