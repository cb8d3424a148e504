import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '@kiln/core';
import { writeImageSplit } from './write-images';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Reads an IDX file of unsigned bytes (MNIST format), gzipped or raw. */
export function parseIdx(bytes: Uint8Array, name = 'idx'): { dims: number[]; data: Uint8Array } {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new DataError(`${name} is not an IDX file (bad magic)`);
  if (buf[2] !== 0x08) throw new DataError(`${name}: only unsigned-byte IDX data (type 0x08) is supported, got 0x${buf[2].toString(16)}`);
  const ndims = buf[3];
  if (buf.length < 4 + 4 * ndims) throw new DataError(`${name}: truncated IDX header`);
  const dims = Array.from({ length: ndims }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * ndims;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length - start < size) throw new DataError(`${name}: IDX data is truncated (${buf.length - start} of ${size} bytes)`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + start, size) };
}

export interface ImportIdxOptions {
  /** Path to `*-images-idx3-ubyte[.gz]`. */
  images: string;
  /** Path to `*-labels-idx1-ubyte[.gz]`. */
  labels: string;
  outDir: string;
  /** Class names by id (default the digits; `FASHION_MNIST_CLASSES` for Fashion-MNIST). */
  classes?: string[];
  /** Split name: folder and CSV name (default `train`). */
  split?: string;
}

/** MNIST / Fashion-MNIST IDX files → grayscale PNGs + `<split>.csv` in Kiln's layout. */
export async function importIdx(options: ImportIdxOptions): Promise<{ csvPath: string; count: number }> {
  const images = parseIdx(readFileSync(options.images), options.images);
  const labels = parseIdx(readFileSync(options.labels), options.labels);
  if (images.dims.length !== 3) throw new DataError(`${options.images}: expected 3 dims (n, rows, cols), got ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new DataError(`${options.labels}: expected 1 dim, got ${labels.dims.length}`);
  const [n, height, width] = images.dims;
  if (labels.dims[0] !== n) throw new DataError(`${n} images but ${labels.dims[0]} labels`);
  const classes = options.classes ?? MNIST_CLASSES;
  const per = height * width;
  const items = Array.from({ length: n }, (_, i) => ({
    pixels: images.data.subarray(i * per, (i + 1) * per),
    label: labels.data[i],
  }));
  const bad = items.findIndex((it) => it.label >= classes.length);
  if (bad >= 0) throw new DataError(`${options.labels}: label ${items[bad].label} of image ${bad} exceeds the ${classes.length} classes`);
  return writeImageSplit(options.outDir, options.split ?? 'train', items, { height, width, channels: 1 }, classes);
}
