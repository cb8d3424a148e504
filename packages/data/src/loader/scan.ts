import { ImageDecodeError } from '@kiln/processors';
import type { RowIndex } from '../index/row-index';
import { Limiter } from './limiter';

/**
 * `verify: decode`: decodes every entry once. Returns the reason per undecodable entry
 * (missing, empty, non-image, truncated, oversized); `onDecoded` receives the pixels of the
 * others (to fill a cache, so the check costs nothing extra).
 */
export async function decodePass(
  index: RowIndex,
  processor: { decodeRaw(path: string): Promise<{ data: Uint8Array }> },
  concurrency: number,
  onDecoded?: (i: number, data: Uint8Array) => void | Promise<void>,
): Promise<Map<number, string>> {
  const failed = new Map<number, string>();
  const limiter = new Limiter(concurrency);
  const jobs: Array<Promise<void>> = [];
  for (let i = 0; i < index.size; i++) {
    jobs.push(
      limiter.run(async () => {
        try {
          const raw = await processor.decodeRaw(index.path(i));
          await onDecoded?.(i, raw.data);
        } catch (err) {
          if (!(err instanceof ImageDecodeError)) throw err;
          failed.set(i, err.message);
        }
      }),
    );
    // Bounded memory: never more than a few thousand promises pending.
    if (jobs.length >= 4096) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  return failed;
}
