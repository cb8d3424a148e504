import { closeSync, openSync, readSync } from 'node:fs';
import { DataError, Rng } from '@kiln/core';
import { readTar, type TarEntry } from './tar-reader';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'] as const;

/** One WebDataset sample: the files sharing a key (`key.jpg`, `key.cls`, …) by extension. */
export interface WdsSample {
  key: string;
  shard: string;
  files: Record<string, Buffer>;
}

/** `dir/a.b.c` → key `dir/a`, extension `b.c` (WebDataset: the key ends at the first dot of the file name). */
export function splitKey(name: string): { key: string; ext: string } {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot < 0 ? { key: name, ext: '' } : { key: name.slice(0, dot), ext: name.slice(dot + 1).toLowerCase() };
}

/** Groups consecutive entries with the same key into samples. */
export async function* tarSamples(shard: string, entries: AsyncIterable<TarEntry> = readTar(shard)): AsyncGenerator<WdsSample> {
  let current: WdsSample | undefined;
  for await (const e of entries) {
    const { key, ext } = splitKey(e.name);
    if (current && current.key !== key) {
      yield current;
      current = undefined;
    }
    current ??= { key, shard, files: {} };
    current.files[ext] = e.data;
  }
  if (current) yield current;
}

/** Samples with an image in a shard, from its headers only (seeks over the file contents). */
export function countTarSamples(shard: string): number {
  const fd = openSync(shard, 'r');
  try {
    const h = Buffer.alloc(512);
    let pos = 0;
    let last: string | undefined;
    let count = 0;
    let longName: string | undefined;
    for (;;) {
      if (readSync(fd, h, 0, 512, pos) < 512 || h.every((b) => b === 0)) return count;
      const size = parseInt(h.toString('utf8', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
      if (!Number.isFinite(size)) throw new DataError(`${shard}: corrupt tar header at byte ${pos}`);
      const type = String.fromCharCode(h[156] || 48);
      if (type === 'L') {
        const b = Buffer.alloc(size);
        readSync(fd, b, 0, size, pos + 512);
        longName = b.toString('utf8').replace(/\0.*$/, '');
      } else if (type === '0' || type === '7') {
        const prefix = h.toString('utf8', 345, 500).replace(/\0.*$/, '');
        const base = h.toString('utf8', 0, 100).replace(/\0.*$/, '');
        const { key, ext } = splitKey(longName ?? (prefix ? `${prefix}/${base}` : base));
        longName = undefined;
        if ((IMAGE_EXTENSIONS as readonly string[]).includes(ext) && key !== last) {
          count++;
          last = key;
        }
      }
      pos += 512 + Math.ceil(size / 512) * 512;
    }
  } finally {
    closeSync(fd);
  }
}

/** Expands WebDataset brace ranges: `shard-{000..009}.tar` → 10 names (zero padding kept). */
export function expandShards(pattern: string): string[] {
  const m = /\{(\d+)\.\.(\d+)\}/.exec(pattern);
  if (!m) return [pattern];
  const [from, to] = [Number(m[1]), Number(m[2])];
  if (to < from || to - from > 1_000_000) throw new DataError(`bad shard range ${m[0]} in ${pattern}`);
  const width = m[1].length;
  const out: string[] = [];
  for (let i = from; i <= to; i++) {
    out.push(...expandShards(pattern.slice(0, m.index) + String(i).padStart(width, '0') + pattern.slice(m.index + m[0].length)));
  }
  return out;
}

/**
 * The shards one consumer reads in epoch `epoch`. Consumer `c = rank·workers + worker` of
 * `worldSize·workers` owns every `(worldSize·workers)`-th shard of the list from position c
 * (fixed, so each consumer's sample count is known and constant); consumers never overlap and
 * together read every shard once. Each epoch its own shards come in the order of
 * `Rng(seed, 'shards', epoch, c)` (when `shuffle`).
 */
export function assignShards(
  shards: string[],
  o: { epoch: number; seed: number; shuffle: boolean; rank?: number; worldSize?: number; worker?: number; workers?: number },
): string[] {
  const consumers = (o.worldSize ?? 1) * (o.workers ?? 1);
  const me = (o.rank ?? 0) * (o.workers ?? 1) + (o.worker ?? 0);
  const mine = shards.filter((_, i) => i % consumers === me);
  return o.shuffle ? new Rng(o.seed, 'shards', o.epoch, me).shuffle(mine) : mine;
}

/**
 * A seeded shuffle buffer over a stream: holds up to `size` items, emits a random one for each
 * new item, then drains in random order. Same input order + same rng → same output order.
 */
export async function* shuffleBuffer<T>(items: AsyncIterable<T>, size: number, rng: Rng): AsyncGenerator<T> {
  if (size <= 1) {
    yield* items;
    return;
  }
  const buf: T[] = [];
  for await (const item of items) {
    if (buf.length < size) {
      buf.push(item);
      continue;
    }
    const j = rng.int(size);
    const out = buf[j];
    buf[j] = item;
    yield out;
  }
  while (buf.length) {
    const j = rng.int(buf.length);
    const out = buf[j];
    buf[j] = buf[buf.length - 1];
    buf.pop();
    yield out;
  }
}
