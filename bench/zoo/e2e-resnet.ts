/**
 * End to end: one CLI epoch of `kiln train model=resnet trainer.maxEpochs=1` (train + validation on
 * the built-in shapes set, 3,000 + 600 PNG files) vs a plain PyTorch loop over the same PNG files
 * (e2e_torch.py). Wall time of each whole process and its peak RSS (GNU time's %M), Kiln first.
 *
 *   flock /tmp/kiln-bench.lock npx tsx bench/zoo/e2e-resnet.ts [--model=resnet] [--epochs=1] [--backend=native]
 *
 * Needs the CLI built (`npx tsc -b tsconfig.build.json`) and /usr/bin/time. Every zoo model, medians and
 * time to first step: bench/run/whole-run.ts.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag } from './measure';
import { timedProcess as run } from '../run/timed-process';

const ROOT = join(__dirname, '../..');
const PYTHON = process.env.KILN_BENCH_PYTHON ?? '/usr/bin/python3';

function main(): void {
  const args = process.argv.slice(2);
  const model = flag(args, 'model', 'resnet');
  const epochs = flag(args, 'epochs', '1');
  const backend = flag(args, 'backend', 'native');
  const cli = join(ROOT, 'apps/cli/dist/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} missing: build first (npx tsc -b tsconfig.build.json)`);
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' };
  const load0 = loadavg()[0];
  const runRoot = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
  const kiln = run(
    [process.execPath, cli, 'train', `model=${model}`, `trainer.maxEpochs=${epochs}`, `engine.backend=${backend}`, `run.root=${runRoot}`],
    env,
  );
  const acc = /val\/accuracy[=: ]+([\d.]+)/.exec(kiln.out)?.[1] ?? '?';
  console.log(`kiln : ${kiln.seconds.toFixed(1)} s, peak RSS ${kiln.rssMb.toFixed(0)} MB, val/accuracy ${acc} (run dir ${runRoot})`);
  const cache = process.env.KILN_CACHE_DIR ?? join(homedir(), '.cache/kiln');
  const data = join(cache, 'datasets/shapes-v2-0-500-100-100');
  const torch = run([PYTHON, join(__dirname, 'e2e_torch.py'), '--root', data, '--epochs', epochs, '--model', model], env);
  const tj = JSON.parse(torch.out.split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}') as { valAccuracy?: number };
  console.log(`torch: ${torch.seconds.toFixed(1)} s, peak RSS ${torch.rssMb.toFixed(0)} MB, val accuracy ${tj.valAccuracy?.toFixed(3)}`);
  console.log(`\n${epochs} epoch(s) of ${model} on shapes (3,000 train + 600 val PNGs), whole process; load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log('| | wall time | peak RSS |');
  console.log('|---|---|---|');
  console.log(`| Kiln (\`kiln train model=${model} trainer.maxEpochs=${epochs}\`, ${backend}) | ${kiln.seconds.toFixed(1)} s | ${kiln.rssMb.toFixed(0)} MB |`);
  console.log(`| PyTorch loop over the same PNGs | ${torch.seconds.toFixed(1)} s | ${torch.rssMb.toFixed(0)} MB |`);
  console.log(`| ratio Kiln / PyTorch | ${(kiln.seconds / torch.seconds).toFixed(2)} | ${(kiln.rssMb / torch.rssMb).toFixed(2)} |`);
}

main();
