import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { nativeKernelStats, resetNativeKernelStats } from '@kiln/backend-native';
import { parseYaml } from '@kiln/core';
import { CrossEntropyLoss } from '@kiln/losses';
import { MODEL_CLASSES } from '@kiln/models';
import { afterAll, describe, expect, it } from 'vitest';
import { initEngine, probeNative } from '../src/index';

// One real training step (forward, the trainer's cross-entropy, gradients, an Adam update) of
// every zoo model at the configs users get — configs/model/*.yaml and the model sections of
// configs/experiment/*.yaml — on `native`, failing when any kernel ran in JavaScript.
const ROOT = join(__dirname, '..', '..', '..', 'configs');
type Cfg = Record<string, unknown>;
const yaml = (file: string) => parseYaml(readFileSync(file, 'utf8')) as Cfg;

interface Case { name: string; target: string; options: Cfg; inputShape: [number, number, number]; classes: number }

function cases(): Case[] {
  const models = new Map<string, Cfg>();
  for (const f of readdirSync(join(ROOT, 'model')).filter((f) => f.endsWith('.yaml'))) {
    models.set(f.replace(/\.yaml$/, ''), yaml(join(ROOT, 'model', f)));
  }
  const out: Case[] = [...models].map(([name, cfg]) => ({
    name: `model/${name}`, target: cfg._target_ as string, options: cfg, inputShape: [32, 32, 3], classes: 6,
  }));
  for (const f of readdirSync(join(ROOT, 'experiment')).filter((f) => f.endsWith('.yaml'))) {
    const exp = yaml(join(ROOT, 'experiment', f));
    const override = ((exp.defaults ?? []) as Cfg[]).map((d) => d['override /model'] as string | undefined).find(Boolean);
    const base = models.get(override ?? '') ?? {};
    const data = (exp.data ?? {}) as Cfg;
    const proc = (data.processor ?? {}) as Cfg;
    const size = (proc.size as [number, number] | undefined) ?? [32, 32];
    const classes = Array.isArray(data.classes) ? data.classes.length : 6;
    out.push({
      name: `experiment/${f.replace(/\.yaml$/, '')}`, target: base._target_ as string,
      options: { ...base, ...((exp.model ?? {}) as Cfg) }, inputShape: [size[0], size[1], (proc.channels as number | undefined) ?? 3], classes,
    });
  }
  return out;
}

const nativeReady = (await probeNative()).available;

describe.skipIf(!nativeReady)('every zoo model trains a step on native with no JavaScript kernel', () => {
  afterAll(() => tf.disposeVariables());

  it.each(cases().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await initEngine({ backend: 'native', prodMode: true });
    expect(tf.getBackend()).toBe('native');
    const cls = MODEL_CLASSES.find((m) => m.type === c.target);
    expect(cls, `zoo model '${c.target}'`).toBeDefined();
    const { _target_: _t, ...options } = c.options;
    const model = new (cls as unknown as new (o: Cfg) => { net: tf.LayersModel })({ ...options, numClasses: c.classes, inputShape: c.inputShape, seed: 1 });
    const loss = new CrossEntropyLoss({ labelSmoothing: 0.1 });
    const x = tf.randomUniform([2, ...c.inputShape], 0, 1, 'float32', 7);
    const y = tf.tensor1d([0, c.classes - 1], 'int32');
    const opt = tf.train.adam(1e-3);
    resetNativeKernelStats();
    const { value, grads } = tf.variableGrads(() => loss.compute(model.net.apply(x, { training: true }) as tf.Tensor2D, y));
    opt.applyGradients(grads);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const stats = nativeKernelStats();
    const offenders = Object.entries(stats).filter(([, s]) => s.fallback > 0).map(([k, s]) => `${k}×${s.fallback}`);
    expect(offenders, `kernels that ran in JavaScript for ${c.name}`).toEqual([]);
    expect(Object.values(stats).reduce((n, s) => n + s.native, 0)).toBeGreaterThan(0);
    tf.dispose([x, y, value, ...Object.values(grads)]);
    opt.dispose();
    model.net.dispose();
  }, 120_000);
});
