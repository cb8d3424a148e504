import { link, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic, type RngState } from '@kiln/core';
import { CheckpointError } from './errors';

export const CHECKPOINT_MAGIC = 'KILNCKPT';
export const CHECKPOINT_VERSION = 1;

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface OptimizerSlotEntry {
  /** Index into `weights` (tfjs renames variables per process, so slots follow weight order). */
  weight: number;
  slot: string;
  data: Float32Array;
}

/** Everything needed to continue a run. Arrays go to the binary blob, the rest to the JSON header. */
export interface CheckpointPayload {
  /** Epoch to continue in (0-based). */
  epoch: number;
  /** Batches of `epoch` already trained (0 = the epoch has not started). */
  batchInEpoch: number;
  globalStep: number;
  /** `net.toJSON()` topology, for rebuilding the model without config. */
  topology?: unknown;
  /** All weights in `net.weights` order (trainable and not). */
  weights: NamedArray[];
  ema?: { decay: number; weights: Float32Array[] } | null;
  optimizer?: { type?: string; lr: number; step: number; slots: OptimizerSlotEntry[] } | null;
  scheduler?: Record<string, unknown> | null;
  /** The data module's `stateDict()` (epoch / position). */
  data?: Record<string, unknown> | null;
  rng?: { global?: RngState };
  best?: { monitor: string; mode: 'min' | 'max'; value: number | null; path?: string } | null;
  /** Callback states keyed by the callback's config name. */
  callbacks?: Record<string, Record<string, unknown>>;
  classes?: string[];
  /** Loop internals for bit-exact mid-epoch resume (running epoch sums, micro-batch size). */
  trainState?: Record<string, unknown>;
  /** Filled by the CLI: resolved config, processor config, … */
  meta?: Record<string, unknown>;
}

interface BlobEntry {
  group: 'weights' | 'ema' | 'optimizer';
  index: number;
  name?: string;
  slot?: string;
  shape?: number[];
  offset: number;
  length: number;
}

/**
 * Serialises a checkpoint: `KILNCKPT`, uint32 version, uint32 header length, JSON header,
 * then float32 little-endian blobs. Written atomically (temp file in the same folder, fsync,
 * rename), so a crash mid-write leaves the previous file intact.
 */
export function encodeCheckpoint(payload: CheckpointPayload): Buffer {
  return Buffer.concat(checkpointChunks(payload));
}

/**
 * The bytes of `encodeCheckpoint` as chunks: the header, then views of the payload's own arrays
 * (no copy). `saveCheckpoint` writes them as they are: a fresh buffer the size of the checkpoint
 * costs a first touch of every page (~100 ms for 20 MB on a VM).
 */
function checkpointChunks(payload: CheckpointPayload): Uint8Array[] {
  const entries: BlobEntry[] = [];
  const arrays: Float32Array[] = [];
  let offset = 0;
  const add = (e: Omit<BlobEntry, 'offset' | 'length'>, data: Float32Array) => {
    entries.push({ ...e, offset, length: data.length });
    arrays.push(data);
    offset += data.length;
  };
  payload.weights.forEach((w, i) => add({ group: 'weights', index: i, name: w.name, shape: w.shape }, w.data));
  payload.ema?.weights.forEach((d, i) => add({ group: 'ema', index: i }, d));
  payload.optimizer?.slots.forEach((s) => add({ group: 'optimizer', index: s.weight, slot: s.slot }, s.data));
  const header = {
    format: 'kiln-checkpoint',
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    ...payload,
    weights: undefined,
    ema: payload.ema ? { decay: payload.ema.decay } : null,
    optimizer: payload.optimizer ? { ...payload.optimizer, slots: undefined } : null,
    blobs: entries,
    blobFloats: offset,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad so the blob starts 4-byte aligned (lets readers view it without copying).
  const pad = (4 - ((16 + json.length) % 4)) % 4;
  const head = Buffer.alloc(16 + json.length + pad);
  head.write(CHECKPOINT_MAGIC, 0, 'latin1');
  head.writeUInt32LE(CHECKPOINT_VERSION, 8);
  head.writeUInt32LE(json.length + pad, 12);
  json.copy(head, 16);
  head.fill(0x20, 16 + json.length, 16 + json.length + pad);
  // Float32Array bytes are the platform's order: little-endian on every platform Node runs Kiln on.
  return [head, ...arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))];
}

export async function saveCheckpoint(path: string, payload: CheckpointPayload): Promise<void> {
  const chunks = checkpointChunks(payload);
  armKillForTests();
  await writeFileAtomic(path, chunks);
}

/**
 * Puts the checkpoint file `src` at `dest` too, as a hard link (atomically: link to a temporary
 * name, then rename over `dest`). For a second file of the same state (best.ckpt, last.ckpt after
 * the top-k file): no second encode, write and fsync. Checkpoints are only ever replaced by rename,
 * never written in place, so a later write of one name leaves the other intact. Returns false
 * (nothing changed) where links are not possible; the caller then writes the file.
 */
export async function linkCheckpoint(src: string, dest: string): Promise<boolean> {
  if (resolve(src) === resolve(dest)) return false;
  armKillForTests(); // counts as a write for the crash-consistency test's kill points
  const tmp = `${dest}.link-${process.pid}.tmp`;
  try {
    await mkdir(dirname(dest), { recursive: true });
    await rm(tmp, { force: true });
    await link(src, tmp);
    await rename(tmp, dest);
    return true;
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined);
    return false;
  }
}

let checkpointWrites = 0;

/**
 * Test hook of the crash-consistency e2e test (apps/cli-e2e): `KILN_TEST_KILL_IN_CHECKPOINT_WRITE=N[:T]`
 * SIGKILLs this process T event-loop turns into its Nth checkpoint write (mid mkdir/write/fsync/rename).
 */
function armKillForTests(): void {
  const spec = process.env.KILN_TEST_KILL_IN_CHECKPOINT_WRITE;
  if (!spec) return;
  const [n, turns = 0] = spec.split(':').map(Number);
  if (++checkpointWrites !== n) return;
  let left = turns;
  const tick = (): void => {
    if (left-- > 0) setImmediate(tick);
    else process.kill(process.pid, 'SIGKILL');
  };
  setImmediate(tick);
}

export function decodeCheckpoint(buf: Buffer, source = 'checkpoint'): CheckpointPayload {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) {
    throw new CheckpointError(`${source} is not a Kiln checkpoint (bad magic)`);
  }
  const version = buf.readUInt32LE(8);
  if (version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`${source} has format version ${version}; this Kiln reads up to ${CHECKPOINT_VERSION}`);
  }
  const headerLen = buf.readUInt32LE(12);
  if (16 + headerLen > buf.length) throw new CheckpointError(`${source} is truncated (header)`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLen));
  } catch (err) {
    throw new CheckpointError(`${source} has a corrupt header`, { cause: err });
  }
  const blobStart = 16 + headerLen;
  const floats: number = header.blobFloats;
  if (buf.length !== blobStart + floats * 4) {
    throw new CheckpointError(`${source} is truncated: expected ${blobStart + floats * 4} bytes, found ${buf.length}`);
  }
  const read = (e: BlobEntry) => {
    const out = new Float32Array(e.length);
    Buffer.from(out.buffer).set(buf.subarray(blobStart + e.offset * 4, blobStart + (e.offset + e.length) * 4));
    return out;
  };
  const entries: BlobEntry[] = header.blobs;
  const weights: NamedArray[] = [];
  const ema: Float32Array[] = [];
  const slots: OptimizerSlotEntry[] = [];
  for (const e of entries) {
    if (e.group === 'weights') weights[e.index] = { name: e.name ?? `w${e.index}`, shape: e.shape ?? [e.length], data: read(e) };
    else if (e.group === 'ema') ema[e.index] = read(e);
    else slots.push({ weight: e.index, slot: e.slot ?? '', data: read(e) });
  }
  const { format: _f, version: _v, createdAt: _c, blobs: _b, blobFloats: _bf, ...rest } = header;
  return {
    ...(rest as CheckpointPayload),
    weights,
    ema: header.ema ? { decay: header.ema.decay, weights: ema } : null,
    optimizer: header.optimizer ? { ...header.optimizer, slots } : null,
  };
}

export async function loadCheckpoint(path: string): Promise<CheckpointPayload> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeCheckpoint(buf, path);
}
