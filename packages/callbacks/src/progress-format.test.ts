import { describe, expect, it } from 'vitest';
import { formatDuration, formatMetrics, formatMetricValue, formatProgressLine, formatRate, renderBar } from './progress-format';

describe('progress formatting', () => {
  it('formats durations as m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(9.6)).toBe('0:10');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3599)).toBe('59:59');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
    expect(formatDuration(-1)).toBe('?');
  });

  it('formats rates with precision that suits their size', () => {
    expect(formatRate(3.254)).toBe('3.25 img/s');
    expect(formatRate(42.66)).toBe('42.7 img/s');
    expect(formatRate(815.4)).toBe('815 img/s');
    expect(formatRate(12345)).toBe('12.3k img/s');
    expect(formatRate(0)).toBe('? img/s');
    expect(formatRate(Infinity, 'it/s')).toBe('? it/s');
  });

  it('formats metric values and lists', () => {
    expect(formatMetricValue(0.123456)).toBe('0.1235');
    expect(formatMetricValue(0)).toBe('0.0000');
    expect(formatMetricValue(0.00012)).toBe('1.20e-4');
    expect(formatMetricValue(123456)).toBe('1.23e5');
    expect(formatMetricValue(NaN)).toBe('nan');
    expect(formatMetrics({ b: 1, a: 0.5 }, ['a', 'b', 'missing'])).toBe('a=0.5000 b=1.0000');
  });

  it('renders bars clamped to [0, 1]', () => {
    expect(renderBar(0.5, 10)).toBe('[#####-----]');
    expect(renderBar(2, 4)).toBe('[####]');
    expect(renderBar(NaN, 3)).toBe('[---]');
  });

  it('builds a progress line with and without a bar', () => {
    const state = {
      epoch: 1,
      maxEpochs: 10,
      step: 25,
      steps: 100,
      loss: 0.5,
      metrics: { 'val/loss': 0.4, 'val/accuracy': 0.9 },
      imagesPerSecond: 200,
      etaSeconds: 90,
    };
    expect(formatProgressLine(state, 8)).toBe(
      'Epoch 2/10 [##------] 25/100 loss=0.5000 val/accuracy=0.9000 val/loss=0.4000 200 img/s ETA 1:30',
    );
    expect(formatProgressLine({ ...state, loss: undefined, metrics: {} }, 0)).toBe('Epoch 2/10 25/100 200 img/s ETA 1:30');
  });
});
