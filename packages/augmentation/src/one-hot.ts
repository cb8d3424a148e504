import { DataError } from '@kiln/core';

/** n×numClasses one-hot rows for class ids, the targets MixUp/CutMix mix. Out-of-range ids fail naming the index. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new DataError(`oneHot: label ${label} at index ${i} is not a class id in [0, ${numClasses})`);
    }
    out[i * numClasses + label] = 1;
  }
  return out;
}
