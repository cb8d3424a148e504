import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Large all-reduces go through files in a RAM-backed folder instead of the IPC pipe: each rank
 * writes its arrays once, then every rank reads all ranks' files and sums them itself, in rank order,
 * so all ranks get bit-identical results. This skips serialising every gradient through the parent
 * twice (see bench/allreduce.bench.ts); the parent only synchronises.
 */
export const ENV_COMM_DIR = 'KILN_COMM_DIR';

/** Below this many floats the IPC pipe is faster than files (`KILN_COMM_SHARED_MIN` overrides). */
export const SHARED_MIN_FLOATS = 1 << 16;
export const ENV_SHARED_MIN = 'KILN_COMM_SHARED_MIN';

export function sharedMinFloats(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env[ENV_SHARED_MIN]);
  return env[ENV_SHARED_MIN] !== undefined && Number.isInteger(value) && value >= 0 ? value : SHARED_MIN_FLOATS;
}

/** A fresh folder for one launch: `/dev/shm` when present (RAM), else the OS temp folder. */
export function createSharedDir(): string {
  const base = process.platform === 'linux' && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, 'kiln-dp-'));
}

export function removeSharedDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Double-buffered by sequence parity: a rank's file for collective `seq` is never rewritten before every rank read it. */
export function sharedFile(dir: string, rank: number, seq: number): string {
  return join(dir, `grad-${rank}-${seq % 2}.f32`);
}

export function writeArrays(path: string, arrays: Float32Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const a of arrays) {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    }
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, target: Uint8Array, position: number, path: string): void {
  let got = 0;
  while (got < target.length) {
    const n = readSync(fd, target, got, target.length - got, position + got);
    if (n === 0) throw new Error(`${path} is shorter than expected (ended at byte ${position + got})`);
    got += n;
  }
}

const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Sum (or mean) over ranks of the arrays every rank wrote for collective `seq`. Rank 0's file is read
 * straight into the result, the others are added in rank order in float32 chunks — the same order
 * and arithmetic on every rank, so all ranks get bit-identical results.
 */
export function reduceSharedFiles(dir: string, seq: number, worldSize: number, lengths: number[], mean: boolean): Float32Array[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  const result = new Float32Array(total);
  const scratch = new Float32Array(Math.min(total, 1 << 20));
  for (let r = 0; r < worldSize; r++) {
    const path = sharedFile(dir, r, seq);
    const fd = openSync(path, 'r');
    try {
      if (r === 0) {
        readFully(fd, bytesOf(result), 0, path);
        continue;
      }
      for (let offset = 0; offset < total; offset += scratch.length) {
        const count = Math.min(scratch.length, total - offset);
        const chunk = scratch.subarray(0, count);
        readFully(fd, bytesOf(chunk), offset * 4, path);
        for (let i = 0; i < count; i++) result[offset + i] += chunk[i];
      }
    } finally {
      closeSync(fd);
    }
  }
  if (mean && worldSize > 1) for (let i = 0; i < total; i++) result[i] /= worldSize;
  const out: Float32Array[] = [];
  let offset = 0;
  for (const length of lengths) {
    out.push(result.slice(offset, offset + length));
    offset += length;
  }
  return out;
}
