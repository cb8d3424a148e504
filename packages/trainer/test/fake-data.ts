import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kiln/core';
import type { Batch, DataLoader, DataModule, Shard } from '@kiln/contracts';

export interface FakeDataOptions {
  trainSize?: number;
  valSize?: number;
  numClasses?: number;
  batchSize?: number;
  inputShape?: [number, number, number];
  seed?: number;
  shuffle?: boolean;
  /** Record the loader position in stateDict (like @kiln/data); false → `{}` (trainer skips batches). */
  seekable?: boolean;
}

/** Linearly separable blobs: class c adds a bump to pixel c. Deterministic per seed. */
function makeSamples(n: number, k: number, shape: [number, number, number], seed: number, stream: string) {
  const per = shape[0] * shape[1] * shape[2];
  const rng = new Rng(seed, stream);
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels[i] = c;
    for (let j = 0; j < per; j++) images[i * per + j] = rng.normal(0, 0.3) + (j % k === c ? 1.5 : 0);
  }
  return { images, labels, per };
}

class FakeLoader implements DataLoader {
  epoch = 0;
  batchIndex = 0;
  constructor(
    private readonly data: { images: Float32Array; labels: Int32Array; per: number },
    private readonly shape: [number, number, number],
    private readonly batchSize: number,
    private readonly shuffle: boolean,
    private readonly seed: number,
    private readonly shard?: Shard,
  ) {}
  get length(): number {
    return Math.ceil(this.data.labels.length / this.batchSize);
  }
  setEpoch(epoch: number): void {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.batchIndex = 0;
    }
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const epoch = this.epoch;
    const n = this.data.labels.length;
    const order = this.shuffle ? new Rng(this.seed, 'shuffle', epoch).permutation(n) : Array.from({ length: n }, (_, i) => i);
    for (let b = this.batchIndex; b < this.length; b++) {
      let idx = order.slice(b * this.batchSize, (b + 1) * this.batchSize);
      if (this.shard) {
        const { rank, worldSize } = this.shard;
        const len = idx.length;
        idx = idx.slice(Math.floor((rank * len) / worldSize), Math.floor(((rank + 1) * len) / worldSize));
      }
      const images = new Float32Array(idx.length * this.data.per);
      idx.forEach((s, j) => images.set(this.data.images.subarray(s * this.data.per, (s + 1) * this.data.per), j * this.data.per));
      this.batchIndex = b + 1;
      yield {
        images,
        shape: [idx.length, ...this.shape],
        labels: Int32Array.from(idx, (s) => this.data.labels[s]),
        rows: idx.map((s) => s + 1),
        paths: idx.map((s) => `sample-${s}.png`),
      };
    }
    if (this.epoch === epoch) {
      this.epoch = epoch + 1;
      this.batchIndex = 0;
    }
  }
}

/** A tiny in-memory DataModule implementing the @kiln/contracts shape. */
export class FakeDataModule implements DataModule {
  readonly classes: string[];
  readonly numClasses: number;
  readonly inputShape: [number, number, number];
  setupCalls = 0;
  private readonly o: Required<FakeDataOptions>;
  private train?: FakeLoader;
  private val?: FakeLoader;
  private pendingPosition?: { epoch: number; batchIndex: number };

  constructor(options: FakeDataOptions = {}) {
    this.o = {
      trainSize: 64,
      valSize: 32,
      numClasses: 3,
      batchSize: 8,
      inputShape: [4, 4, 1],
      seed: 7,
      shuffle: true,
      seekable: true,
      ...options,
    };
    this.numClasses = this.o.numClasses;
    this.classes = Array.from({ length: this.numClasses }, (_, i) => `class${i}`);
    this.inputShape = this.o.inputShape;
  }

  get isSetUp(): boolean {
    return this.setupCalls > 0;
  }

  async setup(): Promise<void> {
    this.setupCalls++;
  }

  trainLoader(shard?: Shard): DataLoader {
    const { trainSize, numClasses, inputShape, seed, batchSize, shuffle } = this.o;
    this.train = new FakeLoader(makeSamples(trainSize, numClasses, inputShape, seed, 'train'), inputShape, batchSize, shuffle, seed, shard);
    if (this.pendingPosition) {
      this.train.epoch = this.pendingPosition.epoch;
      this.train.batchIndex = this.pendingPosition.batchIndex;
    }
    return this.train;
  }
  valLoader(shard?: Shard): DataLoader | undefined {
    const { valSize, numClasses, inputShape, seed, batchSize } = this.o;
    if (valSize === 0) return undefined;
    this.val ??= new FakeLoader(makeSamples(valSize, numClasses, inputShape, seed, 'val'), inputShape, batchSize, false, seed, shard);
    return this.val;
  }
  testLoader(): DataLoader | undefined {
    return this.valLoader();
  }
  stateDict(): Record<string, unknown> {
    if (!this.o.seekable || !this.train) return {};
    return { epoch: this.train.epoch, batchIndex: this.train.batchIndex };
  }
  loadStateDict(state: Record<string, unknown>): void {
    this.pendingPosition = { epoch: Number(state.epoch), batchIndex: Number(state.batchIndex) };
  }
}

/** Flatten + dense (+ optional dropout): fast on tfjs-cpu. */
export function tinyModel(options: { inputShape?: [number, number, number]; numClasses?: number; dropout?: number } = {}) {
  const inputShape = options.inputShape ?? [4, 4, 1];
  const net = tf.sequential();
  net.add(tf.layers.flatten({ inputShape }));
  net.add(tf.layers.dense({ units: 8, activation: 'relu' }));
  if (options.dropout) net.add(tf.layers.dropout({ rate: options.dropout }));
  net.add(tf.layers.dense({ units: options.numClasses ?? 3 }));
  return { net, summary: () => 'tiny' };
}

/** Sparse softmax cross-entropy on logits (int ids) or soft targets. */
export const crossEntropy = {
  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const k = logits.shape[1];
      const t = targets.rank === 1 ? tf.oneHot(targets as tf.Tensor1D, k).toFloat() : targets;
      return tf.losses.softmaxCrossEntropy(t, logits) as tf.Scalar;
    });
  },
};
