import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { RowIndex } from '../index/row-index';

/** Per-entry outcome of the stat pre-pass. */
export const StatStatus = { Ok: 0, Missing: 1, Empty: 2, NotAFile: 3, Unreadable: 4 } as const;

// Plain CommonJS run with `eval: true`, so the same code works from dist/ and under vitest.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const { isAbsolute } = require('node:path');
const { bytes, offsets, root, from, to, sizes, mtimes, status } = workerData;
const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const prefix = root.endsWith('/') ? root : root + '/';
for (let i = from; i < to; i++) {
  // stat needs no normalised path: root + '/' + cell names the same file as path.resolve, cheaper
  const cell = buf.toString('utf8', offsets[i], offsets[i + 1]);
  const p = isAbsolute(cell) ? cell : prefix + cell;
  try {
    const s = statSync(p, { throwIfNoEntry: false });
    if (s === undefined) status[i] = 1;
    else if (!s.isFile()) status[i] = 3;
    else if (s.size === 0) status[i] = 2;
    else { sizes[i] = s.size; mtimes[i] = s.mtimeMs; }
  } catch (e) {
    status[i] = e && e.code === 'ENOENT' || e && e.code === 'ENOTDIR' ? 1 : 4;
  }
}
parentPort.postMessage(0);
`;

/** Below this many entries the threads cost more than they save. */
const INLINE_BELOW = 4096;

/**
 * Stats every entry (exists, regular file, non-zero size) with `threads` worker threads, each
 * walking its slice with synchronous stat calls (the main thread only waits meanwhile) (about 2.5 µs per cached entry, against ~7 µs
 * for async `fs.stat`): a million rows in about a second per thread. Fills `index.sizes` and
 * `index.mtimes` (shared memory, written in place), returns a status per entry.
 */
export async function statPass(index: RowIndex, threads = Math.min(8, availableParallelism())): Promise<Uint8Array> {
  const n = index.size;
  const status = new Uint8Array(new SharedArrayBuffer(n));
  const onShared = (a: Float64Array) => (a.buffer instanceof SharedArrayBuffer ? a : new Float64Array(new SharedArrayBuffer(8 * n)));
  const sizes = onShared(index.sizes);
  const mtimes = onShared(index.mtimes);
  const shared = { bytes: index.cells.bytes, offsets: index.cells.offsets, root: index.root, sizes, mtimes, status };
  if (n < INLINE_BELOW) {
    for (let i = 0; i < n; i++) {
      try {
        const s = statSync(index.path(i));
        if (!s.isFile()) status[i] = StatStatus.NotAFile;
        else if (s.size === 0) status[i] = StatStatus.Empty;
        else {
          index.sizes[i] = s.size;
          index.mtimes[i] = s.mtimeMs;
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        status[i] = code === 'ENOENT' || code === 'ENOTDIR' ? StatStatus.Missing : StatStatus.Unreadable;
      }
    }
    return status;
  }
  const parts = Math.max(1, Math.min(threads, Math.ceil(n / INLINE_BELOW)));
  await Promise.all(
    Array.from({ length: parts }, (_, k) => {
      const from = Math.floor((k * n) / parts);
      const to = Math.floor(((k + 1) * n) / parts);
      return new Promise<void>((resolveDone, reject) => {
        const w = new Worker(WORKER, { eval: true, workerData: { ...shared, from, to } });
        w.once('message', () => resolveDone());
        w.once('error', reject);
        w.once('exit', (code) => (code === 0 ? resolveDone() : reject(new Error(`stat worker exited with ${code}`))));
      });
    }),
  );
  if (sizes !== index.sizes) index.sizes.set(sizes);
  if (mtimes !== index.mtimes) index.mtimes.set(mtimes);
  return status;
}

export function statReason(status: number, path: string): string {
  switch (status) {
    case StatStatus.Missing:
      return `file not found: ${path}`;
    case StatStatus.Empty:
      return `empty file (0 bytes): ${path}`;
    case StatStatus.NotAFile:
      return `not a regular file: ${path}`;
    default:
      return `cannot read ${path}`;
  }
}
