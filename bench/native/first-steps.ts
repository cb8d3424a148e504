/**
 * The first training steps of a zoo model, with and without transparent huge pages for the
 * native backend's large buffers (KILN_NATIVE_HUGEPAGES=0 / 1, memory.cc), alternating child
 * processes: per step wall time and minor page faults, medians over --repeats. The first step
 * touches every activation buffer for the first time; on a VM each 4 KB fault traps.
 *
 *   flock /tmp/kiln-bench.lock npx tsx bench/native/first-steps.ts [--model=resnet] [--precision=32-true|bf16-mixed] [--steps=6] [--repeats=3]
 */
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { silentLogger } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import { enterPrecision, resolvePrecision } from '@kiln/trainer';
import { flag, median } from '../zoo/measure';
import { buildZooNet, zooTrainStep } from '../zoo/zoo-step';

const args = process.argv.slice(2);
const model = flag(args, 'model', 'resnet');
const precision = flag(args, 'precision', '32-true');
const steps = Number(flag(args, 'steps', '6'));

async function child(): Promise<void> {
  await initEngine({ backend: 'native', prodMode: true });
  const net = buildZooNet(model, [32, 32, 3], 6);
  enterPrecision(resolvePrecision(precision), { logger: silentLogger });
  const step = zooTrainStep(net, tf.randomNormal([64, 32, 32, 3]), tf.randomUniform([64], 0, 6, 'int32') as tf.Tensor1D);
  const out: Array<{ ms: number; faults: number }> = [];
  for (let s = 0; s < steps; s++) {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    step();
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
