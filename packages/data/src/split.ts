import { Rng } from '@kiln/core';

/**
 * Stratified, seeded split: within each class, `fraction` of the items (rounded, at least
 * one when the class has two or more) go to validation. Returns sorted index lists.
 */
export function stratifiedSplit(labels: ArrayLike<number>, fraction: number, seed: number): { train: number[]; val: number[] } {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const val: number[] = [];
  const train: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const items = new Rng(seed, 'split', cls).shuffle([...byClass.get(cls)!]);
    let k = Math.round(items.length * fraction);
    if (fraction > 0 && k === 0 && items.length >= 2) k = 1;
    val.push(...items.slice(0, k));
    train.push(...items.slice(k));
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}
