import { UsageError } from '@kiln/core';

/** Which devices the run uses: one worker process per id. */
export interface DeviceRequest {
  kind: 'gpu' | 'cpu';
  ids: number[];
}

/**
 * Parses `--gpus=1,2` into device ids: comma-separated non-negative integers, no duplicates,
 * no empty parts. Whitespace around parts is ignored.
 */
export function parseGpus(text: string): number[] {
  const trimmed = String(text).trim();
  if (trimmed === '') throw new UsageError('--gpus is empty: give comma-separated device ids, e.g. --gpus=0,1');
  const ids: number[] = [];
  trimmed.split(',').forEach((raw, index) => {
    const part = raw.trim();
    if (part === '') throw new UsageError(`--gpus=${text}: part ${index + 1} is empty (expected ids like 0,1)`);
    if (!/^\d+$/.test(part)) throw new UsageError(`--gpus=${text}: '${part}' is not a non-negative integer device id`);
    const id = Number(part);
    if (!Number.isSafeInteger(id)) throw new UsageError(`--gpus=${text}: '${part}' is too large for a device id`);
    if (ids.includes(id)) throw new UsageError(`--gpus=${text}: device ${id} is listed twice`);
    ids.push(id);
  });
  return ids;
}

export interface DeviceOptions {
  /** `--gpus`: a list like `1,2` or already-parsed ids. */
  gpus?: string | number[];
  /** `--workers=N`: N CPU worker processes. */
  workers?: number;
  /** `trainer.devices`: a number asks for N CPU workers; a list (or `'1,2'`) names GPU ids. */
  devices?: number | number[] | string;
}

function checkIds(ids: number[], source: string): number[] {
  if (ids.length === 0) throw new UsageError(`${source} is empty: list at least one device id`);
  return parseGpus(ids.map((id) => (Number.isInteger(id) && id >= 0 ? String(id) : `invalid(${id})`)).join(','));
}

function cpuWorkers(count: number, source: string): DeviceRequest {
  if (!Number.isInteger(count) || count < 1) {
    throw new UsageError(`${source}=${count}: expected a positive whole number of workers`);
  }
  return { kind: 'cpu', ids: Array.from({ length: count }, (_, i) => i) };
}

/**
 * Turns `--gpus` / `--workers` / `trainer.devices` into a device request.
 * Nothing given → one CPU worker (in-process). `--gpus` together with `--workers` is a usage error.
 * Whether the GPUs are actually usable is decided later by `initEngine`/`planEngine`.
 */
export function resolveDevices(options: DeviceOptions = {}): DeviceRequest {
  const given = (['gpus', 'workers', 'devices'] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) {
    throw new UsageError(`use only one of --gpus, --workers and trainer.devices (got ${given.join(' and ')})`);
  }
  if (options.gpus !== undefined) {
    const ids = typeof options.gpus === 'string' ? parseGpus(options.gpus) : checkIds(options.gpus, '--gpus');
    return { kind: 'gpu', ids };
  }
  if (options.workers !== undefined) return cpuWorkers(options.workers, '--workers');
  if (options.devices !== undefined) {
    const d = options.devices;
    if (typeof d === 'number') return cpuWorkers(d, 'trainer.devices');
    const ids = typeof d === 'string' ? parseGpus(d) : checkIds(d, 'trainer.devices');
    return { kind: 'gpu', ids };
  }
  return { kind: 'cpu', ids: [0] };
}

/** `gpu×2 [1,2]` / `cpu×1` — used in the engine's start-up line. */
export function describeDevices(devices: DeviceRequest): string {
  const ids = devices.kind === 'gpu' ? ` [${devices.ids.join(',')}]` : '';
  return `${devices.kind}×${devices.ids.length}${ids}`;
}
