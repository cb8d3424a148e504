export interface BatchTrial {
  batchSize: number;
  fits: boolean;
  /** The out-of-memory message when it did not fit. */
  error?: string;
}

export interface BatchSearchOptions {
  /** First size tried (clamped to `max`). */
  init: number;
  /** Largest size worth trying (e.g. the dataset size). */
  max: number;
  /** Runs a few real steps at `batchSize`; resolves true when they fit, false on out-of-memory. */
  tryBatch(batchSize: number): Promise<BatchTrial>;
  onTrial?(trial: BatchTrial): void;
}

export interface BatchSearchResult {
  /** Largest size that fit. */
  batchSize: number;
  /** Smallest size that did not fit, if any was met. */
  firstFailure?: number;
  /** True when `max` itself fit (the limit was the search range, not memory). */
  reachedMax: boolean;
  trials: BatchTrial[];
}

/**
 * Largest batch that fits: from `init`, halve while it fails; otherwise double until a size
 * fails or `max` is reached; then binary-search between the last good and the first bad size
 * (Lightning's `scale_batch_size(mode="binsearch")`). Throws when even size 1 does not fit.
 */
export async function searchBatchSize(o: BatchSearchOptions): Promise<BatchSearchResult> {
  if (!Number.isInteger(o.init) || o.init < 1) throw new RangeError(`batch search: init must be an integer ≥ 1 (got ${o.init})`);
  if (!Number.isInteger(o.max) || o.max < 1) throw new RangeError(`batch search: max must be an integer ≥ 1 (got ${o.max})`);
  const trials: BatchTrial[] = [];
  const tried = new Map<number, boolean>();
  const attempt = async (n: number): Promise<boolean> => {
    const known = tried.get(n);
    if (known !== undefined) return known;
    const trial = await o.tryBatch(n);
    trials.push(trial);
    tried.set(n, trial.fits);
    o.onTrial?.(trial);
    return trial.fits;
  };

  let good = 0;
  let bad: number | undefined;
  let n = Math.min(o.init, o.max);
  if (!(await attempt(n))) {
    bad = n;
    while (n > 1) {
      n = Math.floor(n / 2);
      if (await attempt(n)) {
        good = n;
        break;
      }
      bad = n;
    }
    if (good === 0) throw new Error(`even batch size 1 does not fit: ${trials[trials.length - 1].error ?? 'out of memory'}`);
  } else {
    good = n;
    while (good < o.max) {
      const next = Math.min(good * 2, o.max);
      if (await attempt(next)) good = next;
      else {
        bad = next;
        break;
      }
    }
  }
  if (bad !== undefined) {
    while (bad - good > 1) {
      const mid = Math.floor((good + bad) / 2);
      if (await attempt(mid)) good = mid;
      else bad = mid;
    }
  }
  return { batchSize: good, firstFailure: bad, reachedMax: bad === undefined && good === o.max, trials };
}
