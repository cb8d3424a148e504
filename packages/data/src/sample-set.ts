import type { ImageProcessor, RawImage } from '@kiln/processors';
import type { LoaderSource } from './loader/batch-loader';
import type { Sample } from './types';

/** Kept samples of one split with their label ids and, with `cache: memory`, their pixels. */
export class SampleSet implements LoaderSource {
  readonly rows: number[];
  readonly paths: string[];

  constructor(
    readonly samples: Sample[],
    readonly labels: Int32Array | undefined,
    private readonly processor: ImageProcessor,
    private readonly cached?: RawImage[],
  ) {
    this.rows = samples.map((s) => s.row);
    this.paths = samples.map((s) => s.path);
  }

  get size(): number {
    return this.samples.length;
  }

  load(index: number): Promise<RawImage> {
    return this.cached ? Promise.resolve(this.cached[index]) : this.processor.decodeRaw(this.paths[index]);
  }

  /** A subset (e.g. the two sides of a split), sharing cached pixels. */
  subset(indices: number[]): SampleSet {
    return new SampleSet(
      indices.map((i) => this.samples[i]),
      this.labels ? Int32Array.from(indices, (i) => this.labels![i]) : undefined,
      this.processor,
      this.cached ? indices.map((i) => this.cached![i]) : undefined,
    );
  }
}
