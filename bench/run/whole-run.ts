/**
 * The whole-run table of issue 21: `kiln train model=M trainer.maxEpochs=E` (the built CLI, default
 * callbacks, the shapes set: 3,000 train + 600 val PNGs) against a plain PyTorch 1.13 loop over the same
 * PNG files (bench/zoo/e2e_torch.py), one process at a time (Kiln, then PyTorch, per repeat), medians
 * of wall clock and peak RSS over --repeats, and the torch/kiln ratios. Kiln runs with
 * `trainer.profiler=simple`, whose profile.json gives its time to the first step and epoch img/s.
 *
 *   npx tsc -b tsconfig.build.json
 *   flock /tmp/kiln-bench.lock npx tsx bench/run/whole-run.ts [--models=mlp:3,simple_cnn:3,resnet:1,mobilenet_v2:1:16,vit_tiny:1:8]
 *     [--repeats=3] [--backend=native] [--profiler=simple|none] [--side=both|kiln|torch] [--timeout=300] [--precision=bf16-mixed]
 *
 * `--precision=bf16-mixed`: Kiln runs `trainer.precision=bf16-mixed`, PyTorch its CPU bf16 autocast
 * (`torch.cpu.amp.autocast(dtype=torch.bfloat16)`, e2e_torch.py --bf16). Where PyTorch's autocast fails on a
 * model (mobilenet_v2, vit_tiny in 1.13), that model's PyTorch side is its fp32 loop, and the row says so
 * (issue 22's targets: ≥ 1.0× PyTorch bf16 where it runs, ≥ 1.5× PyTorch fp32 where it does not).
 *
 * `model:epochs:batches` trains on the first `batches` batches of each epoch on both sides (Kiln:
 * trainer.limitTrainBatches; validation stays whole), so all five models × 3 repeats fit in ~22 min on
 * 2 AVX2 cores. A process still running after --timeout seconds is killed and its row says
 * "> N s" with the last step it reported (PyTorch prints one every 4 steps).
 *
 * Needs /usr/bin/time and /usr/bin/python3 with torch + PIL (KILN_BENCH_PYTHON overrides).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureShapesRoot } from '../startup/shapes-root';
import { flag, median } from '../zoo/measure';
import { timedProcess, type TimedProcess } from './timed-process';

const ROOT = join(__dirname, '../..');
const PYTHON = process.env.KILN_BENCH_PYTHON ?? '/usr/bin/python3';
const DEFAULT_MODELS = 'mlp:3,simple_cnn:3,resnet:1,mobilenet_v2:1:16,vit_tiny:1:8';

interface KilnRun extends TimedProcess {
  /** From profile.json (absent with --profiler=none). */
  firstStepS?: number;
  epochImgPerS?: number;
  accuracy?: string;
}
interface TorchRun extends TimedProcess {
  firstStepS?: number;
  epochImgPerS?: number;
  accuracy?: string;
}

/** profile.json of the one run under `root` (createRunDir nests date/time folders). */
function findProfile(root: string): string | undefined {
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (name === 'profile.json') return p;
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory() && name !== 'latest') {
      const hit = findProfile(p);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** The last progress line of a killed process ("step 20/47"), or undefined. */
function lastStep(out: string): string | undefined {
  // PyTorch's "epoch 1 step 8/12: …", Kiln's progress bar "Epoch 1/1 10/47 loss=…"
  const steps = [...out.matchAll(/(?:step|Epoch \d+\/\d+) (\d+\/\d+)/g)];
  return steps.length ? steps[steps.length - 1][1] : undefined;
}

function kilnRun(model: string, epochs: string, batches: string | undefined, backend: string, profiler: string, precision: string, env: NodeJS.ProcessEnv, timeoutS: number): KilnRun {
  const cli = join(ROOT, 'apps/cli/dist/main.js');
  const runRoot = mkdtempSync(join(tmpdir(), 'kiln-whole-run-'));
  const args = [process.execPath, cli, 'train', `model=${model}`, `trainer.maxEpochs=${epochs}`, `engine.backend=${backend}`, `run.root=${runRoot}`];
  if (profiler !== 'none') args.push(`trainer.profiler=${profiler}`);
  if (batches) args.push(`trainer.limitTrainBatches=${batches}`);
  if (precision !== '32-true') args.push(`trainer.precision=${precision}`);
  const r: KilnRun = timedProcess(args, env, timeoutS);
  if (r.timedOut) return r;
  r.accuracy = /val\/accuracy[=: ]+([\d.]+)/.exec(r.out)?.[1];
  const path = profiler === 'none' ? undefined : findProfile(runRoot);
  if (path) {
    const p = JSON.parse(readFileSync(path, 'utf8')) as { timeToFirstStepMs?: number; phases: Array<{ path: string; totalMs: number }> };
    r.firstStepS = p.timeToFirstStepMs !== undefined ? p.timeToFirstStepMs / 1000 : undefined;
    const m = /train: (\d+) of (\d+) batches\/epoch \((\d+) samples\)/.exec(r.out);
    // a limited epoch trains `batches` full batches of the same size
    const samples = m ? (m[1] === m[2] ? Number(m[3]) : Number(m[1]) * Math.ceil(Number(m[3]) / Number(m[2]))) : NaN;
    const epochMs = p.phases.find((x) => x.path === 'train_epoch')?.totalMs;
    if (epochMs && Number.isFinite(samples)) r.epochImgPerS = (samples * Number(epochs) * 1000) / epochMs;
  }
  return r;
}

function torchRun(model: string, epochs: string, batches: string | undefined, data: string, bf16: boolean, env: NodeJS.ProcessEnv, timeoutS: number): TorchRun {
  const cmd = [PYTHON, join(ROOT, 'bench/zoo/e2e_torch.py'), '--root', data, '--epochs', epochs, '--model', model, '--progress', '4'];
  if (batches) cmd.push('--max-batches', batches);
  if (bf16) cmd.push('--bf16');
  const r: TorchRun = timedProcess(cmd, env, timeoutS);
  if (r.timedOut) return r;
  const j = JSON.parse(r.out.split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}') as {
    valAccuracy?: number; firstStepSeconds?: number; trainImgPerS?: number;
  };
  r.firstStepS = j.firstStepSeconds;
  r.epochImgPerS = j.trainImgPerS;
  r.accuracy = j.valAccuracy?.toFixed(4);
  return r;
}

const fmt = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const med = (xs: Array<number | undefined>) => {
  const ok = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return ok.length ? median(ok) : undefined;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const models = flag(args, 'models', DEFAULT_MODELS).split(',').map((m) => m.split(':') as [string, string?, string?]);
  const repeats = Number(flag(args, 'repeats', '3'));
  const backend = flag(args, 'backend', 'native');
  const profiler = flag(args, 'profiler', 'simple');
  const side = flag(args, 'side', 'both');
  const timeoutS = Number(flag(args, 'timeout', '300'));
  const precision = flag(args, 'precision', '32-true');
  if (!['32-true', 'bf16-mixed'].includes(precision)) throw new Error(`--precision: 32-true or bf16-mixed, not ${precision}`);
  const bf16 = precision === 'bf16-mixed';
  if (!existsSync(join(ROOT, 'apps/cli/dist/main.js'))) throw new Error('apps/cli/dist/main.js missing: build first (npx tsc -b tsconfig.build.json)');
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' };
  const data = await ensureShapesRoot();
  const load0 = loadavg()[0];
  const rows: string[] = [];
  for (const [model, epochs = '1', batches] of models) {
    const kiln: KilnRun[] = [];
    const torch: TorchRun[] = [];
    // PyTorch's bf16 autocast, or its fp32 loop where the autocast fails on this model (the first try tells).
    let torchBf16 = bf16;
    let torchNote = '';
    for (let i = 0; i < repeats; i++) {
      // One side at a time: never two trainings at once on the shared cores.
      if (side !== 'torch') {
        const k = kilnRun(model, epochs, batches, backend, profiler, precision, env, timeoutS);
        kiln.push(k);
        if (k.timedOut) console.log(`${model} #${i + 1} kiln : > ${timeoutS} s (killed; last progress: step ${lastStep(k.out) ?? 'none'})`);
        else console.log(`${model} #${i + 1} kiln : ${k.seconds.toFixed(1)} s, ${k.rssMb.toFixed(0)} MB, first step at ${fmt(k.firstStepS, 2)} s, epoch ${fmt(k.epochImgPerS)} img/s, val/accuracy ${k.accuracy ?? '?'}`);
      }
      if (side !== 'kiln') {
        let t: TorchRun;
        try {
          t = torchRun(model, epochs, batches, data, torchBf16, env, timeoutS);
        } catch (err) {
          if (!torchBf16) throw err;
          const why = String((err as Error).message).split('\n').filter((l) => /Error/.test(l)).pop() ?? 'failed';
          console.log(`${model} torch bf16 autocast fails (${why.trim().slice(0, 120)}): PyTorch side is fp32`);
          torchBf16 = false;
          torchNote = ' (PyTorch fp32: its bf16 autocast fails)';
          t = torchRun(model, epochs, batches, data, false, env, timeoutS);
        }
        torch.push(t);
        if (t.timedOut) console.log(`${model} #${i + 1} torch: > ${timeoutS} s (killed; last progress: step ${lastStep(t.out) ?? 'none'})`);
        else console.log(`${model} #${i + 1} torch: ${t.seconds.toFixed(1)} s, ${t.rssMb.toFixed(0)} MB, first step at ${fmt(t.firstStepS, 2)} s, epoch ${fmt(t.epochImgPerS)} img/s, val accuracy ${t.accuracy ?? '?'}`);
      }
    }
    // Killed runs count as the time box (a lower bound): the median is then "> N s".
    const ks = med(kiln.map((r) => r.seconds));
    const ts = med(torch.map((r) => r.seconds));
    const kOver = kiln.filter((r) => r.timedOut).length > kiln.length / 2;
    const tOver = torch.filter((r) => r.timedOut).length > torch.length / 2;
    const km = med(kiln.filter((r) => !r.timedOut).map((r) => r.rssMb));
    const tm = med(torch.filter((r) => !r.timedOut).map((r) => r.rssMb));
    const secs = (v: number | undefined, over: boolean) => (over ? `> ${timeoutS} s` : `${fmt(v)} s`);
    const ratio = !ks || !ts ? '–' : kOver && tOver ? '?' : tOver ? `> ${(ts / ks).toFixed(2)}` : kOver ? `< ${(ts / ks).toFixed(2)}` : (ts / ks).toFixed(2);
    const what = `${model} (${epochs}${batches ? ` × ${batches} batches` : ''})${torchNote}`;
    rows.push(
      `| ${what} | ${secs(ks, kOver)} | ${secs(ts, tOver)} | ${ratio} | ` +
        `${fmt(km, 0)} / ${fmt(tm, 0)} MB (${km && tm ? (km / tm).toFixed(2) : '–'}) | ${fmt(med(kiln.map((r) => r.firstStepS)), 2)} s | ` +
        `${fmt(med(torch.map((r) => r.firstStepS)), 2)} s | ${fmt(med(kiln.map((r) => r.epochImgPerS)))} | ${fmt(med(torch.map((r) => r.epochImgPerS)))} |`,
    );
  }
  console.log(`\nshapes set (3,000 train + 600 val 32×32 PNGs, batch 64), whole process, medians of ${repeats}; backend ${backend}, ` +
    `Kiln with trainer.profiler=${profiler}, precision ${precision}${bf16 ? ' (PyTorch: bf16 autocast)' : ''}; load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log('| model (epochs × train batches) | Kiln | PyTorch | torch/kiln | peak RSS Kiln / PyTorch | Kiln first step at | PyTorch first step at | Kiln epoch img/s | PyTorch epoch img/s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
