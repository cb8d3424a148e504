import { describe, expect, it } from 'vitest';
import { escapeFormula, toCsv } from './csv-writer';

describe('csv writer', () => {
  it('escapes every formula-starting character in text columns', () => {
    for (const s of ['=1+1', '+cmd', '-2', '@SUM(A1)', '\tx', '\rx']) expect(escapeFormula(s)).toBe(`'${s}`);
    expect(escapeFormula('cat')).toBe('cat');
  });
  it('quotes commas, quotes and newlines and leaves numbers alone', () => {
    const csv = toCsv(['path', 'confidence'], [['a,b "c".png', -0.5], ['=evil()', 0.25]], new Set(['path']));
    expect(csv).toBe('path,confidence\n"a,b ""c"".png",-0.5\n\'=evil(),0.25\n');
  });
  it('writes empty cells for missing and non-finite values', () => {
    expect(toCsv(['a', 'b'], [[null, NaN]], new Set())).toBe('a,b\n,\n');
  });
});
