import type * as tf from '@tensorflow/tfjs';

function shapeText(shape: unknown): string {
  if (!Array.isArray(shape)) return String(shape);
  if (Array.isArray(shape[0])) return (shape as unknown[]).map(shapeText).join(', ');
  return `[${shape.map((d) => (d === null ? 'N' : String(d))).join(', ')}]`;
}

function size(w: tf.LayerVariable): number {
  return w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}

export interface ParamCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

export function countParams(net: tf.LayersModel): ParamCounts {
  const trainable = net.trainableWeights.reduce((s, w) => s + size(w), 0);
  const nonTrainable = net.nonTrainableWeights.reduce((s, w) => s + size(w), 0);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

/**
 * Table of layers (name, type, output shape, parameters) with totals, for the log at
 * train start. Works for any `tf.LayersModel`, so user models can reuse it.
 */
export function summarizeModel(net: tf.LayersModel): string {
  const rows = net.layers.map((l) => [`${l.name} (${l.getClassName()})`, shapeText(l.outputShape), l.countParams().toLocaleString('en-US')]);
  const head = ['Layer (type)', 'Output shape', 'Params'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const { total, trainable, nonTrainable } = countParams(net);
  return [
    `Model: ${net.name}`,
    rule,
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${nonTrainable.toLocaleString('en-US')}`,
  ].join('\n');
}
