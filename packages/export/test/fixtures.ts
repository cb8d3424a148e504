import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kiln/core';
import { ImageProcessor, type ImageProcessorOptions } from '@kiln/processors';
import { restoreModelFromCheckpoint, saveCheckpoint } from '@kiln/trainer';
import { buildZooModel, perturbWeights } from './helpers';

export const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
/** Not Kiln's defaults (0.5/0.5), so a kiln.json that drops them is caught. */
export const PROCESSOR: ImageProcessorOptions = { size: [32, 32], channels: 3, resize: 'stretch', mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.243, 0.261] };

/** A run folder `<root>/<type>/checkpoints/best.ckpt` as the trainer writes it (topology, weights, classes, processor). */
export async function makeRun(root: string, type: string): Promise<string> {
  const net = buildZooModel(type, CLASSES.length);
  perturbWeights(net);
  const dir = join(root, type);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  await saveCheckpoint(join(dir, 'checkpoints', 'best.ckpt'), {
    epoch: 3,
    batchInEpoch: 0,
    globalStep: 120,
    topology: net.toJSON(undefined, false),
    weights: net.weights.map((w) => ({ name: w.name, shape: [...w.shape] as number[], data: w.read().dataSync() as Float32Array })),
    classes: CLASSES,
    meta: { processor: new ImageProcessor(PROCESSOR).toConfig(), classes: CLASSES },
  });
  net.dispose();
  return dir;
}

/** A 32×32 RGB PNG of smooth colour blobs plus noise (a plausible image, not flat). */
export async function makePng(path: string, seed = 5): Promise<void> {
  const rng = new Rng(seed, 'export-png');
  const px = new Uint8Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const i = (y * 32 + x) * 3;
      px[i] = Math.min(255, Math.round(8 * x + 40 * rng.next()));
      px[i + 1] = Math.min(255, Math.round(8 * y + 40 * rng.next()));
      px[i + 2] = Math.min(255, Math.round(4 * (x + y) + 40 * rng.next()));
    }
  }
  await sharp(Buffer.from(px), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(path);
}

/** What `kiln predict` computes: the checkpoint's model, its processor, softmax. */
export async function kilnProbabilities(ckpt: string, image: string): Promise<Float32Array> {
  const restored = await restoreModelFromCheckpoint(ckpt);
  const processor = new ImageProcessor((restored.meta.processor ?? {}) as ImageProcessorOptions);
  const pixels = await processor.process(image);
  const [h, w, c] = processor.outputShape;
  const probs = tf.tidy(() => tf.softmax(restored.net.predict(tf.tensor4d(pixels, [1, h, w, c])) as tf.Tensor2D).dataSync() as Float32Array);
  restored.net.dispose();
  return probs;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.png': 'image/png', '.bin': 'application/octet-stream' };

/** A static file server on 127.0.0.1 (random port) mapping URL prefixes to folders. */
export async function serve(routes: Record<string, string>, pages: Record<string, string> = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    try {
      if (pages[path] !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
        return;
      }
      const prefix = Object.keys(routes).find((p) => path.startsWith(p));
      const rel = prefix === undefined ? undefined : normalize(path.slice(prefix.length));
      if (prefix === undefined || rel === undefined || rel.startsWith('..')) throw new Error('not found');
      const body = await readFile(join(routes[prefix], rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** Kiln's softmax probabilities for `n` preprocessed images (NHWC 32×32×3). */
export async function kilnProbabilitiesBatch(ckpt: string, images: Float32Array, n: number): Promise<Float32Array> {
  const restored = await restoreModelFromCheckpoint(ckpt);
  const probs = tf.tidy(() => tf.softmax(restored.net.predict(tf.tensor4d(images, [n, 32, 32, 3])) as tf.Tensor2D).dataSync() as Float32Array);
  restored.net.dispose();
  return probs;
}
