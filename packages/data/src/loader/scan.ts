import { ImageDecodeError, type ImageProcessor, type RawImage } from '@kiln/processors';
import type { BadRow, Sample } from '../types';
import { mapLimited } from './limiter';

export interface ScanResult {
  samples: Sample[];
  /** Index in the input of each kept sample. */
  kept: number[];
  /** Decoded pixels per kept sample (only when `keep`). */
  raws?: RawImage[];
  badRows: BadRow[];
}

/**
 * Decodes every sample once: missing, empty, non-image, truncated and oversized files
 * become bad rows before training starts. With `keep`, the decoded pixels are returned
 * for the in-memory cache, so the check costs nothing extra.
 */
export async function scanSamples(
  samples: Sample[],
  processor: ImageProcessor,
  options: { concurrency: number; keep: boolean; csvName: string },
): Promise<ScanResult> {
  const results = await mapLimited(samples, options.concurrency, async (s) => {
    try {
      return { raw: await processor.decodeRaw(s.path) };
    } catch (err) {
      if (!(err instanceof ImageDecodeError)) throw err;
      return { error: err };
    }
  });
  const keptSamples: Sample[] = [];
  const kept: number[] = [];
  const raws: RawImage[] = [];
  const badRows: BadRow[] = [];
  results.forEach((r, i) => {
    const s = samples[i];
    if (r.raw) {
      keptSamples.push(s);
      kept.push(i);
      if (options.keep) raws.push(r.raw);
    } else {
      badRows.push({ row: s.row, path: s.path, reason: `${options.csvName} row ${s.row}: ${r.error!.message}` });
    }
  });
  return { samples: keptSamples, kept, raws: options.keep ? raws : undefined, badRows };
}
