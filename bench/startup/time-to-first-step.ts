/**
 * Time from process start to the first training step of `kiln train` (built CLI, default config,
 * shapes set), one whole process after the other, medians. The probe callback
 * (first-step-probe.cjs, loaded through `imports:`) reports the process's own clock at the loop
 * start (onTrainEpochStart) and at the end of the first optimizer step, then exits. The wall
 * time of the process as seen from here (spawn → marker) is reported too; it adds Node's own
 * start; the CPU time (user + system, all threads) the process used up to its first step is less
 * sensitive to other load on the machine than the wall times. `--phases` runs once more per model with trace-phases.cjs preloaded: each log line with
 * its time and module loading per package.
 *
 * `--cold` gives each run of this tree a fresh `data.cacheDir`, so its `verify: decode` results
 * are not reused from the run before (the first run on a machine; a baseline without the verify
 * cache is cold anyway).
 * `--baseline=DIR` also runs the built CLI of another checkout (e.g. a `git archive` of an
 * older commit, built) in the same invocation, alternating run by run, and prints the ratios.
 *
 *   npx tsc -b tsconfig.build.json
 *   flock /tmp/kiln-bench.lock npx tsx bench/startup/time-to-first-step.ts [--models=mlp,resnet] [--runs=5] [--phases] [--cold] [--baseline=DIR] [-- overrides…]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureShapesRoot, median, option } from './shapes-root';

const REPO = join(__dirname, '..', '..');

interface Sample {
  loopStart: number;
  firstStep: number;
  wall: number;
  /** CPU ms of the process (all its threads) at the end of the first step. */
  cpu: number;
  /** CPU ms of the main thread alone at the end of the first step (10 ms ticks). */
  main: number;
}

function once(repo: string, model: string, runRoot: string, extra: string[], preload?: string): Promise<Sample & { log: string }> {
  const args = [
    ...(preload ? ['-r', preload] : []),
    join(repo, 'apps', 'cli', 'dist', 'main.js'),
    'train',
    `model=${model}`,
    `imports=[${join(__dirname, 'first-step-probe.cjs')}]`,
    '+callbacks.startup_probe._target_=startup_probe',
    `run.root=${runRoot}`,
    // --cold: a fresh cache folder per run, so `verify: decode` checks every image (a first run)
    ...(process.argv.includes('--cold') && repo === REPO ? [`+data.cacheDir=${mkdtempSync(join(runRoot, 'cache-'))}`] : []),
    ...extra,
  ];
  const t0 = performance.now();
  // INIT_CWD (set by npx) is where the CLI resolves configs/ and relative paths: the checkout run.
  const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, INIT_CWD: repo }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let wall = NaN;
  const onData = (b: Buffer) => {
    log += b.toString();
    if (Number.isNaN(wall) && log.includes('KILN_FIRST_STEP')) wall = performance.now() - t0;
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const m = log.match(/KILN_FIRST_STEP start=([\d.]+) end=([\d.]+) cpu=([\d.]+)(?: main=(-?[\d.]+))?/);
      if (!m) return reject(new Error(`${model}: no first step (exit ${code}):\n${log.slice(-2000)}`));
      resolve({ loopStart: Number(m[1]), firstStep: Number(m[2]), cpu: Number(m[3]), main: Number(m[4] ?? NaN), wall, log });
    });
  });
}

async function main(): Promise<void> {
  const models = (option('models', 'mlp,resnet') ?? '').split(',');
  const runs = Number(option('runs', '5'));
  const dashdash = process.argv.indexOf('--');
  const extra = dashdash >= 0 ? process.argv.slice(dashdash + 1) : [];
  await ensureShapesRoot(); // generated outside the timed runs (the first `kiln train` would do it)
  const runRoot = mkdtempSync(join(tmpdir(), 'kiln-startup-'));
  try {
    console.log(`time to first step, median of ${runs} (ms; shared 2-core machine: indicative)${extra.length ? ` overrides: ${extra.join(' ')}` : ''}`);
    console.log('model                    loop start   first step end   spawn→first step (wall)   CPU to first step end (all threads)   main thread CPU');
    const baseline = option('baseline');
    const sides = baseline ? [['baseline', resolve(baseline)], ['this tree', REPO]] : [['this tree', REPO]];
    for (const model of models) {
      const samples = new Map<string, Sample[]>(sides.map(([name]) => [name, []]));
      for (const [, repo] of sides) await once(repo, model, runRoot, extra); // warm the OS file cache; not counted
      for (let r = 0; r < runs; r++) for (const [name, repo] of sides) samples.get(name)!.push(await once(repo, model, runRoot, extra));
      const med = (name: string, k: keyof Sample) => median(samples.get(name)!.map((s) => s[k]));
      for (const [name] of sides) {
        const f = (k: keyof Sample) => med(name, k).toFixed(0).padStart(8);
        console.log(`${`${model} (${name})`.padEnd(24)} ${f('loopStart')}     ${f('firstStep')}         ${f('wall')}                  ${f('cpu')}                ${f('main')}`);
      }
      if (baseline) {
        const ratio = (k: keyof Sample) => (med('baseline', k) / med('this tree', k)).toFixed(2).padStart(8);
        console.log(`${`${model} baseline/this`.padEnd(24)} ${ratio('loopStart')}     ${ratio('firstStep')}         ${ratio('wall')}                  ${ratio('cpu')}                ${ratio('main')}`);
      }
      console.log(`  load average now: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      if (process.argv.includes('--phases')) {
        const { log } = await once(REPO, model, runRoot, extra, join(__dirname, 'trace-phases.cjs'));
        console.log(log.split('\n').filter((l) => /INFO|KILN_FIRST_STEP|module loading|^\[\s*\d+ ms\]\s{3,}\d/.test(l)).join('\n'));
      }
    }
  } finally {
    rmSync(runRoot, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
