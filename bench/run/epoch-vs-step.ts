/**
 * Issue 21's loop criterion: the CLI epoch's img/s against the raw step's img/s (bench/zoo/kiln-side.ts:
 * the trainer's step on one fixed batch, medians of windows after 2 warm-up steps) for each zoo model,
 * one process at a time. The CLI side is `kiln train model=M trainer.maxEpochs=1 trainer.limitTrainBatches=B
 * trainer.profiler=simple`; from its profile.json: the epoch's img/s (first step included, as a user's epoch),
 * the img/s without the first step (the loop's own overhead: data wait, metrics, callbacks), the first
 * step's extra time over a steady step (warm-up), and the full 47-batch epoch that those give.
 *
 *   npx tsc -b tsconfig.build.json
 *   flock /tmp/kiln-bench.lock npx tsx bench/run/epoch-vs-step.ts [--models=mlp:47,simple_cnn:47,resnet:16,mobilenet_v2:16,vit_tiny:12]
 *     [--seconds=1] [--windows=5] [--backend=native]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureShapesRoot } from '../startup/shapes-root';
import { flag } from '../zoo/measure';

const ROOT = join(__dirname, '../..');
const ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' };
const BATCH = 64;

interface Profile {
  firstStepMs?: number;
  phases: Array<{ path: string; totalMs: number; count: number }>;
}

function findProfile(root: string): string | undefined {
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (name === 'profile.json') return p;
    if (name !== 'latest' && statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      const hit = findProfile(p);
      if (hit) return hit;
    }
  }
  return undefined;
}

function rawStep(model: string, seconds: string, windows: string, backend: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/zoo/kiln-side.ts'), `--model=${model}`, `--backend=${backend}`, `--seconds=${seconds}`, `--windows=${windows}`], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: ENV, maxBuffer: 1 << 24,
  });
  return (JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as { train: number }).train;
}

function cliEpoch(model: string, batches: number, backend: string) {
  const runRoot = mkdtempSync(join(tmpdir(), 'kiln-epoch-vs-step-'));
  try {
    const args = [join(ROOT, 'apps/cli/dist/main.js'), 'train', `model=${model}`, 'trainer.maxEpochs=1', `trainer.limitTrainBatches=${batches}`,
      'trainer.profiler=simple', `engine.backend=${backend}`, `run.root=${runRoot}`];
    execFileSync(process.execPath, args, { cwd: ROOT, env: { ...ENV, INIT_CWD: ROOT }, stdio: ['ignore', 'ignore', 'inherit'] });
    const p = JSON.parse(readFileSync(findProfile(runRoot)!, 'utf8')) as Profile;
    const total = (path: string) => p.phases.find((x) => x.path === path)?.totalMs ?? 0;
    const epochMs = total('train_epoch');
    const images = batches * BATCH;
    const firstMs = p.firstStepMs ?? NaN;
    const steadyMs = (epochMs - firstMs) / (batches - 1); // one later step, with its data wait and hooks
    return {
      epochImgPerS: (images * 1000) / epochMs,
      withoutFirstImgPerS: ((images - BATCH) * 1000) / (epochMs - firstMs),
      warmupMs: firstMs - steadyMs,
      fullEpochImgPerS: (47 * BATCH * 1000) / (firstMs + 46 * steadyMs),
      dataWaitPct: (100 * total('train_epoch/data_wait')) / epochMs,
    };
  } finally {
    rmSync(runRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const models = flag(args, 'models', 'mlp:47,simple_cnn:47,resnet:16,mobilenet_v2:16,vit_tiny:12').split(',').map((m) => m.split(':'));
  const seconds = flag(args, 'seconds', '1');
  const windows = flag(args, 'windows', '5');
  const backend = flag(args, 'backend', 'native');
  await ensureShapesRoot();
  const load0 = loadavg()[0];
  const rows: string[] = [];
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
  const f = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
  for (const [model, b = '16'] of models) {
    const raw = rawStep(model, seconds, windows, backend);
    const cli = cliEpoch(model, Number(b), backend);
    console.log(`${model}: raw ${f(raw)} img/s; CLI ${b} batches ${f(cli.epochImgPerS)} img/s (${f(cli.withoutFirstImgPerS)} without the first step; warm-up ${cli.warmupMs.toFixed(0)} ms; data wait ${cli.dataWaitPct.toFixed(1)}%)`);
    rows.push(`| ${model} | ${f(raw)} | ${f(cli.epochImgPerS)} (${b} batches) | ${pct(cli.epochImgPerS, raw)} | ${f(cli.withoutFirstImgPerS)} | ${pct(cli.withoutFirstImgPerS, raw)} | ` +
      `${cli.warmupMs.toFixed(0)} ms | ${cli.dataWaitPct.toFixed(1)}% | ${f(cli.fullEpochImgPerS)} | ${pct(cli.fullEpochImgPerS, raw)} |`);
  }
  console.log(`\nbatch 64, backend ${backend}, raw: ${windows} windows of ${seconds} s; load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log('| model | raw step img/s | CLI epoch img/s | % of raw | CLI without the first step | % | first-step warm-up | data wait | full epoch (est.) | % |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
