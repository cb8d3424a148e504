/**
 * Mixed precision on every zoo model (default configs, 32×32×3, 6 classes, batch 64 training /
 * 256 inference): Kiln fp32 vs Kiln bf16-mixed (what trainer.precision=bf16-mixed sets) vs
 * PyTorch fp32 vs PyTorch's CPU bf16 autocast, each side in its own child process, one at a time,
 * medians of --windows. Where the CPU has no bf16 instructions Kiln's bf16 column is the emulated
 * path (labelled), and PyTorch's autocast runs whatever it has for the ISA.
 *
 *   flock /tmp/kiln-bench.lock npx tsx bench/precision/precision-bench.ts [--models=simple_cnn,resnet] [--seconds=1] [--windows=5]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerNativeBackend } from '@kiln/backend-native';
import { isPrecisionBackend } from '@kiln/contracts';
import { flag } from '../zoo/measure';

const ZOO = ['mlp', 'simple_cnn', 'resnet', 'mobilenet_v2', 'vit_tiny'];
const PYTHON = process.env.KILN_BENCH_PYTHON ?? '/usr/bin/python3';
const ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' };
type Result = { train: number; infer: number } | { error: string };

function run(cmd: string, args: string[]): Result {
  try {
    const out = execFileSync(cmd, args, { env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    const line = out.trim().split('\n').pop()!;
    return JSON.parse(line) as Result;
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr ?? err);
    const last = text.trim().split('\n').filter((l) => /Error|error/.test(l)).pop() ?? text.trim().split('\n').pop() ?? 'failed';
    return { error: last.slice(0, 120) };
  }
}

const fmt = (r: Result, k: 'train' | 'infer') => ('error' in r ? `fails (${r.error})` : r[k].toFixed(1));
const ratio = (a: Result, b: Result, k: 'train' | 'infer') => ('error' in a || 'error' in b ? '—' : (a[k] / b[k]).toFixed(2));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const models = flag(args, 'models', ZOO.join(',')).split(',');
  const timing = [`--seconds=${flag(args, 'seconds', '1')}`, `--windows=${flag(args, 'windows', '5')}`];
  registerNativeBackend();
  await tf.setBackend('native');
  const backend = tf.backend();
  if (!isPrecisionBackend(backend)) throw new Error('the native backend has no compute precision (rebuild @kiln/backend-native)');
  const { isa, bf16: hw } = backend.computePrecision();
  const kilnBf16 = hw ? 'bf16' : 'bf16-emulated';
  const tsx = join(__dirname, '../../node_modules/.bin/tsx');
  const kiln = join(__dirname, '../zoo/kiln-side.ts');
  const torch = join(__dirname, '../zoo/torch_side.py');
  console.log(`oneDNN ISA: ${isa}; Kiln bf16 column: ${hw ? 'native bf16 primitives' : 'EMULATED (this CPU has no bf16 instructions)'}; load ${loadavg()[0].toFixed(2)}`);
  const rows: string[] = [];
  for (const m of models) {
    const r = {
      k32: run(tsx, [kiln, `--model=${m}`, ...timing]),
      k16: run(tsx, [kiln, `--model=${m}`, `--precision=${kilnBf16}`, ...timing]),
      t32: run(PYTHON, [torch, `--model=${m}`, ...timing]),
      t16: run(PYTHON, [torch, `--model=${m}`, '--bf16', ...timing]),
    };
    for (const k of ['train', 'infer'] as const) {
      rows.push(`| ${m} | ${k} | ${fmt(r.k32, k)} | ${fmt(r.k16, k)} | ${fmt(r.t32, k)} | ${fmt(r.t16, k)} | ${ratio(r.k16, r.k32, k)} | ${ratio(r.k16, r.t32, k)} | ${ratio(r.k16, r.t16, k)} |`);
    }
    console.error(`${m} done`);
  }
  console.log(`\n| model | img/s | Kiln fp32 | Kiln ${kilnBf16} | PyTorch fp32 | PyTorch bf16 autocast | Kiln bf16/fp32 | Kiln bf16/PyTorch fp32 | Kiln bf16/PyTorch bf16 |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
