import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, rankByCloseness, suggest } from './did-you-mean';

describe('did you mean', () => {
  it('editDistance is Levenshtein, case-insensitive', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Depth', 'depth')).toBe(0);
    expect(editDistance('depht', 'depth')).toBe(2);
  });

  it('rankByCloseness orders closest first, prefix matches ahead, ties alphabetical, no duplicates', () => {
    expect(rankByCloseness('adam', ['sgd', 'adamw', 'adam', 'rmsprop', 'adam'])).toEqual(['adam', 'adamw', 'sgd', 'rmsprop']);
    expect(rankByCloseness('lr', ['lx', 'la'])).toEqual(['la', 'lx']);
  });

  it('suggest keeps near misses only', () => {
    expect(suggest('maxEpoch', ['maxEpochs', 'minEpochs', 'seed'])).toEqual(['maxEpochs']); // minEpochs is 3 edits away
    expect(suggest('bach_size', ['batch_size', 'bach_sizes', 'seed'])).toEqual(['bach_sizes', 'batch_size']);
    expect(suggest('zzz', ['maxEpochs', 'seed'])).toEqual([]);
    expect(suggest('max', ['maxEpochs', 'seed'])).toEqual(['maxEpochs']);
  });

  it('didYouMean formats the best hit or nothing', () => {
    expect(didYouMean('depht', ['depth', 'width'])).toBe(" (did you mean 'depth'?)");
    expect(didYouMean('qqqqqq', ['depth'])).toBe('');
  });
});
