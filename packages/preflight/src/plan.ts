import { basename, join } from 'node:path';
import { resolveUserPath } from '@kiln/core';
import { trainerDevices } from '@kiln/trainer';
import type { Preflight } from './preflight';

export interface EpochSteps {
  trainRows: number;
  valRows: number;
  batchesPerEpoch: number;
  valBatches: number;
  optimizerStepsPerEpoch: number;
  maxEpochs: number;
}

type Node = Record<string, unknown>;
const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

function limit(value: unknown, length: number): number {
  if (typeof value !== 'number') return length;
  if (Number.isInteger(value) && value >= 1) return Math.min(value, length);
  return Math.min(length, Math.max(1, Math.floor(length * value)));
}

/** Batches and optimizer steps per epoch as the trainer would run them (limits, fast dev run, overfitting). */
export function epochSteps(config: Node, pre: Preflight): EpochSteps | undefined {
  const { spec, data } = pre;
  if (!spec || !data) return undefined;
  const t = (config.trainer ?? {}) as Node;
  const train = data.csvs.find((c) => c.role === 'train')!;
  const val = data.csvs.find((c) => c.role === 'val');
  let trainRows = train.kept.length;
  let valRows = val?.kept.length ?? 0;
  if (spec.valSplit) {
    valRows = Math.round(trainRows * spec.valSplit); // stratified per class: ±1 per class
    trainRows -= valRows;
  }
  const batches = (rows: number, dropLast: boolean) => (dropLast ? Math.floor(rows / spec.batchSize) : Math.ceil(rows / spec.batchSize));
  const fastDev = t.fastDevRun === true ? 1 : typeof t.fastDevRun === 'number' ? t.fastDevRun : undefined;
  const overfit = num(t.overfitBatches, 0);
  let trainBatches = batches(trainRows, spec.dropLast);
  let valBatches = batches(valRows, false);
  if (overfit > 0) trainBatches = valBatches = Math.min(overfit, trainBatches);
  else {
    trainBatches = limit(fastDev ?? t.limitTrainBatches, trainBatches);
    valBatches = limit(fastDev ?? t.limitValBatches, valBatches);
  }
  const accumulate = Math.max(1, num(t.accumulateGradBatches, 1));
  return {
    trainRows,
    valRows,
    batchesPerEpoch: trainBatches,
    valBatches,
    optimizerStepsPerEpoch: Math.ceil(trainBatches / accumulate),
    maxEpochs: fastDev !== undefined ? 1 : num(t.maxEpochs, 1),
  };
}

function checkpointLines(config: Node): string[] {
  const t = (config.trainer ?? {}) as Node;
  if (t.fastDevRun !== undefined && t.fastDevRun !== false && t.fastDevRun !== null) return ['  none: trainer.fastDevRun writes no files'];
  const root = resolveUserPath(String(((config.run ?? {}) as Node).root ?? 'outputs'));
  const runDir = join(root, '<YYYY-MM-DD>', '<HH-MM-SS>');
  const lines = [`  run directory: ${runDir} (new; ${join(root, 'latest')} then points to it)`, `  ${runDir}/config.yaml, overrides.yaml, classes.json`];
  const callbacks = (config.callbacks ?? {}) as Record<string, Node | null | false>;
  let any = false;
  for (const [name, node] of Object.entries(callbacks)) {
    if (!node || node._target_ !== 'model_checkpoint') continue;
    any = true;
    const dir = join(runDir, String(node.dirname ?? 'checkpoints'));
    const topK = num(node.saveTopK, 1);
    const files = [
      topK !== 0 ? `${topK === -1 ? 'every' : `top ${topK}`} by ${String(node.monitor ?? t.monitor ?? 'val/accuracy')} as ${String(node.filename ?? 'epoch={epoch:03d}-{monitor}={value:.4f}')}.ckpt, best.ckpt` : '',
      node.saveLast === false ? '' : 'last.ckpt (every epoch)',
    ].filter(Boolean);
    lines.push(`  ${dir}/ (callbacks.${name}): ${files.join('; ') || 'nothing'}`);
  }
  if (!any) lines.push('  no checkpoints: no model_checkpoint callback');
  if (t.profiler === 'simple' || t.profiler === 'advanced') lines.push(`  ${runDir}/profile.txt, profile.json (trainer.profiler=${t.profiler}: time per phase)`);
  const writers = Object.entries(callbacks).filter(([, n]) => n && n._target_ !== 'model_checkpoint').map(([k, n]) => `${k} (${String(n && n._target_)})`);
  if (writers.length) lines.push(`  other callbacks: ${writers.join(', ')}`);
  return lines;
}

/** The dry run's report: components, data per CSV, steps per epoch, files to be written, the time estimate. */
export function formatPlan(config: Node, pre: Preflight, estimate?: string): string {
  const lines = ['kiln train --dry-run: the config and data check out.', '', 'components:'];
  for (const c of pre.components) lines.push(`  ${c.path.padEnd(28)} _target_: ${c.target}`);
  lines.push('', 'data:');
  if (!pre.data || !pre.spec) lines.push(`  ${String(((config.data ?? {}) as Node)._target_)}: set up by the data module itself (checked by its setup)`);
  else {
    const { data, spec } = pre;
    if (spec.generated) lines.push(`  built-in dataset in ${spec.generated}`);
    const shown = data.classes.length > 12 ? `${data.classes.slice(0, 12).join(', ')}, …` : data.classes.join(', ');
    lines.push(`  classes (${data.classes.length}): ${shown}`);
    for (const c of data.csvs) {
      const dropped = c.totalRows - c.kept.length; // every row is kept or dropped (the listed reasons may be capped)
      lines.push(`  ${c.role} ${c.path}: ${c.totalRows} rows, ${c.kept.length} kept, ${dropped} dropped`);
      for (const d of c.dropped.slice(0, 5)) lines.push(`    dropped: ${d.reason}`);
      if (dropped > 5) lines.push(`    … and ${dropped - 5} more dropped`);
    }
    if (spec.valSplit) lines.push(`  valSplit ${spec.valSplit}: validation is a stratified part of ${basename(spec.trainCsv!)}`);
    lines.push(`  images: ${data.decoded.count} of ${data.decoded.of} sampled decode to ${data.decoded.shape.join('×')} (the model's input)`);
  }
  const steps = epochSteps(config, pre);
  if (steps) {
    lines.push('', 'steps:');
    lines.push(`  train: ${steps.trainRows} rows → ${steps.batchesPerEpoch} batches/epoch (batch ${pre.spec!.batchSize}), ${steps.optimizerStepsPerEpoch} optimizer steps/epoch`);
    lines.push(`  val: ${steps.valRows} rows → ${steps.valBatches} batches`);
    lines.push(`  epochs: ${steps.maxEpochs} → ${steps.maxEpochs * steps.optimizerStepsPerEpoch} optimizer steps`);
    const precision = String((config.trainer as Node | undefined)?.precision ?? '32-true');
    if (precision !== '32-true' && precision !== '32') lines.push(`  precision: ${precision} (checked against the CPU when the fit starts)`);
    const devices = trainerDevices(config.trainer);
    const world = devices.gpus?.length ?? devices.workers ?? 1;
    if (world > 1) lines.push(`  devices: ${world} workers (${devices.gpus ? `GPU ids ${devices.gpus.join(',')}` : 'CPU'}); each global batch of ${pre.spec!.batchSize} is split across them, so the steps stay the same`);
  }
  lines.push('', 'files a real run writes:', ...checkpointLines(config));
  if (estimate) lines.push('', `time: ${estimate}`);
  return lines.join('\n') + '\n';
}
