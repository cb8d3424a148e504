import { describe, expect, it } from 'vitest';
import { Logger } from '@kiln/core';
import { Auroc } from './auroc';

/** Brute-force AUROC: share of (positive, negative) pairs ordered right, ties count ½. */
function pairwiseAuc(scores: number[], positive: boolean[]): number {
  let good = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!positive[i]) return;
    scores.forEach((t, j) => {
      if (positive[j]) return;
      pairs++;
      good += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return good / pairs;
}

describe('auroc', () => {
  it('matches the textbook binary example (0.75)', () => {
    // scikit-learn docs: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8] → 0.75
    const m = new Auroc({ scores: 'probabilities' });
    const p1 = [0.1, 0.4, 0.35, 0.8];
    m.update(Float32Array.from(p1.flatMap((p) => [1 - p, p])), Int32Array.from([0, 0, 1, 1]), 2);
    expect(m.compute()).toBeCloseTo(0.75, 6);
  });

  it('gives 0.5 for all-tied scores, 1 for perfect and 0 for reversed ranking', () => {
    const tied = new Auroc({ scores: 'probabilities' });
    tied.update(Float32Array.from([0.5, 0.5, 0.5, 0.5]), Int32Array.from([0, 1]), 2);
    expect(tied.compute()).toBe(0.5);
    const perfect = new Auroc();
    perfect.update(Float32Array.from([3, 0, 0, 3, 1, 2]), Int32Array.from([0, 1, 1]), 2);
    expect(perfect.compute()).toBe(1);
    const reversed = new Auroc();
    reversed.update(Float32Array.from([0, 3, 3, 0]), Int32Array.from([0, 1]), 2);
    expect(reversed.compute()).toBe(0);
  });

  it('averages one-vs-rest over classes, softmaxing logits first', () => {
    const logits = [
      [2, 1, 0],
      [0.5, 0.2, 0.1],
      [0, 3, 1],
      [1, 1, 1],
      [0, 0.5, 2],
      [1.5, 0, 1.4],
      [0.2, 0.1, 0.3],
    ];
    const labels = [0, 1, 1, 2, 2, 0, 1];
    const probs = logits.map((row) => {
      const e = row.map(Math.exp);
      const s = e.reduce((a, b) => a + b);
      return e.map((v) => v / s);
    });
    const per = [0, 1, 2].map((c) => pairwiseAuc(probs.map((p) => p[c]), labels.map((y) => y === c)));
    const m = new Auroc();
    m.update(Float32Array.from(logits.flat()), Int32Array.from(labels), 3);
    m.perClass().forEach((v, c) => expect(v).toBeCloseTo(per[c], 12));
    expect(m.compute()).toBeCloseTo((per[0] + per[1] + per[2]) / 3, 12);
    const w = new Auroc({ average: 'weighted' });
    w.update(Float32Array.from(logits.flat()), Int32Array.from(labels), 3);
    expect(w.compute()).toBeCloseTo((per[0] * 2 + per[1] * 3 + per[2] * 2) / 7, 12);

    // Merging two workers' states equals one pass.
    const a = new Auroc();
    const b = new Auroc();
    a.update(Float32Array.from(logits.slice(0, 3).flat()), Int32Array.from(labels.slice(0, 3)), 3);
    b.update(Float32Array.from(logits.slice(3).flat()), Int32Array.from(labels.slice(3)), 3);
    a.merge(b.state());
    expect(a.compute()).toBeCloseTo(m.compute() as number, 14);
  });

  it('auto-detects probability rows and softmaxes logit rows', () => {
    // Class 1: row B (positive) has the higher probability, 0.32 > 0.30, but softmaxing the
    // probabilities again would flip the order (0.3165 < 0.3223): AUROC 1 as probabilities, 0 as logits.
    const rows = Float32Array.from([0.35, 0.3, 0.35, 0.68, 0.32, 0]);
    const labels = Int32Array.from([0, 1]);
    const run = (scores: 'auto' | 'logits' | 'probabilities') => {
      const m = new Auroc({ scores });
      m.update(rows, labels, 3);
      return m.perClass()[1];
    };
    expect(run('probabilities')).toBe(1);
    expect(run('logits')).toBe(0);
    expect(run('auto')).toBe(1);
    // A row that is not a distribution is softmaxed in auto mode: logits [2, 0] vs [0, 2] shift-invariant.
    const m = new Auroc();
    m.update(Float32Array.from([12, 10, 10, 12]), Int32Array.from([0, 1]), 2);
    expect(m.compute()).toBe(1);
  });

  it('leaves a class without positives out of the average, with a warning', () => {
    const lines: string[] = [];
    const logger = new Logger({ sinks: [{ write: (_r, line) => lines.push(line) }] });
    const m = new Auroc({ scores: 'probabilities' }, { logger });
    // class 2 never occurs among the targets
    m.update(Float32Array.from([0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.6, 0.3, 0.1]), Int32Array.from([0, 1, 0]), 3);
    expect(Number.isNaN(m.perClass()[2])).toBe(true);
    expect(m.compute()).toBeCloseTo((1 + 1) / 2, 12);
    expect(lines.join('\n')).toMatch(/class\(es\) 2 have no positive/);
    expect(new Auroc().compute()).toBeNaN();
  });
});
