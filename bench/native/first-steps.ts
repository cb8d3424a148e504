/**
 * The first training steps of a zoo model, with and without transparent huge pages for the
 * native backend's large buffers (KILN_NATIVE_HUGEPAGES=0 / 1, memory.cc), alternating child
 * processes: per step wall time and minor page faults, medians over --repeats. The first step
 * touches every activation buffer for the first time; on a VM each 4 KB fault traps.
 *
 *   flock /tmp/kiln-bench.lock npx tsx bench/native/first-steps.ts [--model=resnet] [--precision=32-true|bf16-mixed] [--steps=6] [--repeats=3]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'yaml';
import { ComponentBuilder, createRegistries, silentLogger } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import { CrossEntropyLoss } from '@kiln/losses';
import { register as registerModels, variableGradsReleasing, type ZooModel } from '@kiln/models';
import { Adam, enterPrecision, resolvePrecision } from '@kiln/trainer';
import { flag, median } from '../zoo/measure';

const args = process.argv.slice(2);
const model = flag(args, 'model', 'resnet');
const precision = flag(args, 'precision', '32-true');
const steps = Number(flag(args, 'steps', '6'));

async function child(): Promise<void> {
  await initEngine({ backend: 'native', prodMode: true });
  const node = parse(readFileSync(join(__dirname, '../../configs/model', `${model}.yaml`), 'utf8')) as Record<string, unknown>;
  const net = new ComponentBuilder(createRegistries(registerModels), { seed: 0 }).build<ZooModel>('models', node, 'model', {
    numClasses: 6, inputShape: [32, 32, 3],
  }).net;
  enterPrecision(resolvePrecision(precision), { logger: silentLogger });
  const loss = new CrossEntropyLoss();
  const opt = new Adam({ lr: 1e-3 });
  const vars = new Map(net.trainableWeights.map((w) => [w.name, w.read() as tf.Variable]));
  const x = tf.randomNormal([64, 32, 32, 3]);
  const y = tf.randomUniform([64], 0, 6, 'int32') as tf.Tensor1D;
  const out: Array<{ ms: number; faults: number }> = [];
  for (let s = 0; s < steps; s++) {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    const { value, grads } = tf.tidy(() => variableGradsReleasing(() => loss.compute(net.apply(x, { training: true }) as tf.Tensor2D, y), [...vars.values()]));
    value.dataSync();
    const map = new Map(Object.entries(grads));
    opt.step(map, vars);
    tf.dispose([value, ...map.values()]);
    out.push({ ms: performance.now() - t0, faults: process.resourceUsage().minorPageFault - f0 });
  }
  console.log(JSON.stringify(out));
}

function parent(): void {
  const repeats = Number(flag(args, 'repeats', '3'));
  const runs: Record<string, Array<Array<{ ms: number; faults: number }>>> = { '0': [], '1': [] };
  for (let r = 0; r < repeats; r++) {
    for (const hp of ['0', '1']) {
      const text = execFileSync(process.execPath, [...process.execArgv, __filename, ...args, '--child'], {
        encoding: 'utf8', env: { ...process.env, KILN_NATIVE_HUGEPAGES: hp, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' },
      });
      runs[hp].push(JSON.parse(text.trim().split('\n').pop()!));
    }
  }
  console.log(`${model} ${precision}, batch 64: per step, medians of ${repeats} (ms / minor page faults)`);
  console.log(`| huge pages | ${Array.from({ length: steps }, (_, s) => `step ${s}`).join(' | ')} | first 3 steps |`);
  console.log(`|---|${'---|'.repeat(steps + 1)}`);
  const m = (hp: string) => Array.from({ length: steps }, (_, s) => ({ ms: median(runs[hp].map((x) => x[s].ms)), faults: median(runs[hp].map((x) => x[s].faults)) }));
  for (const hp of ['0', '1']) {
    const row = m(hp);
    const first3 = median(runs[hp].map((x) => x[0].ms + x[1].ms + x[2].ms));
    console.log(`| ${hp === '1' ? 'on' : 'off'} | ${row.map((c) => `${c.ms.toFixed(0)} / ${c.faults.toFixed(0)}`).join(' | ')} | ${first3.toFixed(0)} ms |`);
  }
}

if (args.includes('--child')) child().catch((err) => { console.error(err); process.exit(1); });
else parent();
