import { z } from '@kiln/core';

/** Probability that a transform runs on a given image (or batch). */
export function probability(defaultValue: number) {
  return z.number().min(0).max(1).default(defaultValue).describe('probability of applying the transform');
}

/** `[lo, hi]` with lo ≤ hi. */
export function numberRange(min = -Infinity, max = Infinity) {
  return z
    .tuple([z.number().min(min).max(max), z.number().min(min).max(max)])
    .refine(([lo, hi]) => lo <= hi, { message: 'expected [lo, hi] with lo <= hi' });
}

/** Value written where a geometric transform has no source pixel: one number, or one per channel. */
export const fillSchema = z
  .union([z.number().min(0).max(1), z.array(z.number().min(0).max(1)).min(1)])
  .default(0)
  .describe('fill value in [0, 1] for uncovered pixels: a number or one per channel');

export type Fill = z.infer<typeof fillSchema>;

/** Expands `fill` to one value per channel; a per-channel list must match the image. */
export function fillForChannels(fill: Fill, channels: number, where: string): Float32Array {
  if (typeof fill === 'number') return new Float32Array(channels).fill(fill);
  if (fill.length === 1) return new Float32Array(channels).fill(fill[0]);
  if (fill.length !== channels) {
    throw new RangeError(`${where}: fill has ${fill.length} values but the image has ${channels} channels`);
  }
  return Float32Array.from(fill);
}
