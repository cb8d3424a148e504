import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareToBaseline, flattenMetrics, readBaseline } from './baseline';

describe('baseline comparison', () => {
  it('flags drops beyond the tolerance in percentage points only', () => {
    const r = compareToBaseline({ accuracy: 0.95, macro_f1: 0.9 }, { accuracy: 0.946, macro_f1: 0.89 }, 0.5);
    expect(r.map((x) => x.metric)).toEqual(['macro_f1']);
    expect(r[0].dropPoints).toBeCloseTo(1, 6);
  });
  it('treats improvements as fine and a missing metric as a regression', () => {
    expect(compareToBaseline({ accuracy: 0.9 }, { accuracy: 0.99 }, 0.5)).toEqual([]);
    expect(compareToBaseline({ auroc: 0.9 }, {}, 0.5)[0].metric).toBe('auroc');
  });
  it('reads flat or nested {metrics: …} files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-baseline-'));
    const p = join(dir, 'b.json');
    writeFileSync(p, JSON.stringify({ metrics: { accuracy: 0.9, per: { a: 1 } }, note: 'x' }));
    expect(readBaseline(p)).toEqual({ accuracy: 0.9, 'per.a': 1 });
    expect(flattenMetrics({ a: { b: 2 } })).toEqual({ 'a.b': 2 });
    writeFileSync(p, '{oops');
    expect(() => readBaseline(p)).toThrow(/cannot read/);
  });
});
