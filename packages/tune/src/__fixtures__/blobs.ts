import type { AssembledRun } from '@kiln/trainer';

type DataModule = AssembledRun['data'];
type DataLoader = ReturnType<DataModule['trainLoader']>;
type Batch = DataLoader extends AsyncIterable<infer B> ? B : never;

/**
 * Test fixture: `count` 4×4×1 images of `classes` classes, each class a bright pixel block at
 * its own place plus seeded noise — learnable in a few dozen steps by a tiny MLP. Registered
 * as `blobs` by the tests so the tuners run the real config path without touching disk.
 */
export class BlobsData implements DataModule {
  static readonly type = 'blobs';
  readonly classes: string[];
  readonly numClasses: number;
  readonly inputShape: [number, number, number] = [4, 4, 1];
  private readonly images: Float32Array;
  private readonly labels: Int32Array;
  private readonly batchSize: number;
  readonly count: number;

  constructor(options: { batchSize?: number; count?: number; classes?: number; seed?: number; noise?: number; flipEvery?: number } = {}) {
    this.batchSize = options.batchSize ?? 8;
    this.count = options.count ?? 64;
    this.numClasses = options.classes ?? 3;
    this.classes = Array.from({ length: this.numClasses }, (_, i) => `c${i}`);
    let s = options.seed ?? 1;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    this.images = new Float32Array(this.count * 16);
    this.labels = new Int32Array(this.count);
    for (let n = 0; n < this.count; n++) {
      const c = n % this.numClasses;
      // every `flipEvery`-th label is wrong, so the loss has a floor and huge LRs blow it up
      this.labels[n] = options.flipEvery && n % options.flipEvery === 0 ? (c + 1) % this.numClasses : c;
      for (let p = 0; p < 16; p++) this.images[n * 16 + p] = (p % this.numClasses === c ? 1 : 0) + (options.noise ?? 1) * (rand() - 0.5);
    }
  }

  async setup(): Promise<void> {}

  trainLoader(): DataLoader {
    const { batchSize, count, images, labels } = this;
    return {
      length: Math.ceil(count / batchSize),
      size: count,
      setEpoch() {},
      async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
        for (let start = 0; start < count; start += batchSize) {
          const end = Math.min(count, start + batchSize);
          const rows = Array.from({ length: end - start }, (_, i) => start + i);
          yield { images: images.slice(start * 16, end * 16), shape: [end - start, 4, 4, 1], labels: labels.slice(start, end), rows, paths: rows.map(String) };
        }
      },
    } as DataLoader;
  }
  valLoader(): undefined {
    return undefined;
  }
  testLoader(): undefined {
    return undefined;
  }
  stateDict(): Record<string, unknown> {
    return {};
  }
  loadStateDict(): void {}
}

/** A resolved config over the fixture: tiny MLP, cross-entropy, SGD. */
export function blobsConfig(data: Record<string, unknown> = {}, optimizer: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    seed: 3,
    data: { _target_: 'blobs', batchSize: 8, count: 64, ...data },
    model: { _target_: 'mlp', hidden: [16], dropout: 0 },
    loss: { _target_: 'cross_entropy' },
    optimizer: { _target_: 'sgd', lr: 0.01, ...optimizer },
    trainer: {},
  };
}
