/**
 * Kiln vs PyTorch on every zoo model (default configs, 32×32×3, 6 classes): training img/s
 * (batch 64, cross-entropy, Adam), inference img/s (batch 256), peak RSS (VmHWM). Each side of
 * each model runs in its own child process, Kiln first, then PyTorch; never both at once.
 *
 *   flock /tmp/kiln-bench.lock npx tsx bench/zoo/zoo-bench.ts [--models=mlp,vit_tiny] [--seconds=1] [--windows=5] [--backend=native] [--tf-grads]
 *
 * Kiln's step uses the trainer's gradient path (@kiln/models' variableGradsReleasing); `--tf-grads`: plain tf.variableGrads.
 *
 * Fails when a mirror's parameter count differs from Kiln's. Prints a markdown table of medians.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { flag } from './measure';

const ZOO = ['mlp', 'simple_cnn', 'resnet', 'mobilenet_v2', 'vit_tiny'];
const PYTHON = process.env.KILN_BENCH_PYTHON ?? '/usr/bin/python3';
/** Both sides: OpenBLAS single-threaded (each framework runs its own 2 threads), no OpenMP spin-waiting (bench/parity does the same). */
const ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' };

interface Side {
  params: number;
  buffers: number;
  train: number;
  infer: number;
  peakRssMb: number;
  trainWindows: number[];
  inferWindows: number[];
}

function lastJson(out: string): Side {
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no JSON result in child output:\n${out}`);
  return JSON.parse(line) as Side;
}

function kiln(model: string, common: string[], backend: string): Side {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'kiln-side.ts'), `--model=${model}`, `--backend=${backend}`, ...common], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, env: ENV,
  });
  return lastJson(out);
}

function torch(model: string, seconds: string, windows: string): Side {
  const out = execFileSync(PYTHON, [join(__dirname, 'torch_side.py'), '--model', model, '--seconds', seconds, '--windows', windows, '--threads', '2'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: ENV,
  });
  return lastJson(out);
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

function main(): void {
  const args = process.argv.slice(2);
  const models = flag(args, 'models', ZOO.join(',')).split(',').filter(Boolean);
  for (const m of models) if (!ZOO.includes(m)) throw new Error(`unknown model '${m}'; choose from ${ZOO.join(', ')}`);
  const seconds = flag(args, 'seconds', '1');
  const windows = flag(args, 'windows', '5');
  if (!(Number(seconds) >= 1) || !(Number(windows) >= 5)) console.log('note: below the issue\'s method (≥ 5 windows of ≥ 1 s)');
  const backend = flag(args, 'backend', 'native');
  const load0 = loadavg()[0];
  const rows: string[] = [];
  for (const m of models) {
    const k = kiln(m, [`--seconds=${seconds}`, `--windows=${windows}`, ...(args.includes('--tf-grads') ? ['--tf-grads'] : [])], backend);
    console.log(`kiln  ${m}: ${JSON.stringify(k)}`);
    const t = torch(m, seconds, windows);
    console.log(`torch ${m}: ${JSON.stringify(t)}`);
    if (k.params !== t.params || k.buffers !== t.buffers) {
      throw new Error(`${m}: the PyTorch mirror has ${t.params} parameters / ${t.buffers} buffers, Kiln ${k.params} / ${k.buffers}`);
    }
    rows.push(
      `| ${m} | ${fmt(k.train)} | ${fmt(t.train)} | ${(k.train / t.train).toFixed(2)} | ${fmt(k.infer)} | ${fmt(t.infer)} | ` +
        `${(k.infer / t.infer).toFixed(2)} | ${fmt(k.peakRssMb)} / ${fmt(t.peakRssMb)} MB (${(k.peakRssMb / t.peakRssMb).toFixed(2)}×) |`,
    );
  }
  const grads = args.includes('--tf-grads') ? 'tf.variableGrads' : 'variableGradsReleasing';
  console.log(`\nKiln (${backend}, ${grads}) vs PyTorch, 2 threads each, medians of ${windows} windows of ≥ ${seconds} s; load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log('| model | Kiln train img/s | PyTorch | ratio | Kiln infer (b256) | PyTorch | ratio | peak RSS Kiln / PyTorch |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main();
