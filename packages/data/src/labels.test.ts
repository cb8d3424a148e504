import { describe, expect, it } from 'vitest';
import { DataError } from '@kiln/core';
import { inferClasses, labelIds } from './labels';
import type { Sample } from './types';

const samples = (labels: string[]): Sample[] => labels.map((label, i) => ({ row: i + 1, path: `p${i}`, label, meta: {} }));

describe('labels', () => {
  it('infers sorted unique class names, or 0..max for integer ids', () => {
    expect(inferClasses(['dog', 'cat', 'dog', 'ant'])).toEqual(['ant', 'cat', 'dog']);
    expect(inferClasses(['2', '0', '10'])).toEqual(Array.from({ length: 11 }, (_, i) => String(i)));
  });

  it('maps names and integer ids to class ids', () => {
    expect([...labelIds(samples(['b', '0', 'c', '2']), ['a', 'b', 'c'], 't.csv')]).toEqual([1, 0, 2, 2]);
  });

  it('fails on an unknown class, naming the row and the closest class', () => {
    const run = () => labelIds(samples(['cat', 'dgo']), ['cat', 'dog'], 'train.csv');
    expect(run).toThrow(DataError);
    expect(run).toThrow(/train\.csv: 1 bad label\(s\): row 2: unknown class 'dgo' \(did you mean 'dog'\?\)/);
  });

  it('fails on a label id out of range, naming the row', () => {
    expect(() => labelIds(samples(['0', '3', '-1']), ['a', 'b', 'c'], 'train.csv')).toThrow(
      /row 2: label id 3 is out of range \[0, 3\); row 3: label id -1 is out of range/,
    );
  });
});
