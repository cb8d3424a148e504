// Runs the built CLI under mpirun and decides when the MPI tests can run at all.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasMpirun, isMpiAvailable, mpiLoadError } from '@kiln/mpi';
import { decodeCheckpoint } from '@kiln/trainer';
import { CLI } from './cli';

/**
 * A run whose weights depend only on the global batches: an MLP without dropout, plain SGD, no
 * augmentation, no LR schedule — so 2 ranks × 8 samples must reach 1 process × 16's weights.
 * 16 per class × 6 classes = 96 samples = 6 global batches of 16 per epoch.
 */
export const TINY = [
  'data.trainPerClass=16',
  'data.valPerClass=4',
  'data.testPerClass=4',
  'data.batchSize=16',
  'data.augmentation.transforms=[]',
  'model=mlp',
  'model.dropout=0',
  'model.hidden=[32]',
  'optimizer=sgd',
  'optimizer.lr=0.05',
  'scheduler=none',
  'callbacks=minimal',
  'engine.backend=cpu',
];
export const TOLERANCE = 1e-4;

export const MPI_ENV = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };

/**
 * Why the MPI tests cannot run here (undefined when they can). Under CI with mpirun installed, a
 * missing addon is an error, not a skip: the build must not fail silently.
 */
export function mpiSkipReason(): string | undefined {
  if (!existsSync(CLI)) return `the CLI is not built (${CLI})`;
  const mpirun = hasMpirun();
  if (mpirun && !isMpiAvailable() && process.env.CI === 'true') {
    throw new Error(`mpirun is installed but @kiln/mpi's addon is unusable under CI: ${mpiLoadError()}`);
  }
  if (!mpirun) return 'mpirun not found (apt-get install openmpi-bin libopenmpi-dev)';
  if (!isMpiAvailable()) return `@kiln/mpi addon unavailable: ${mpiLoadError()}`;
  return undefined;
}

export interface Run {
  code: number | null;
  output: string;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Prefix, e.g. `ip netns exec host-a`. */
  launcher?: string[];
  /** Called with the child (mpirun or the CLI) once started, and with each chunk of output. */
  onOutput?: (text: string, pid: number) => void;
}

/** `[launcher…] <file> <args>` in its own process group, killed as a group after `timeoutMs`. */
export function runCommand(file: string, args: string[], options: RunOptions): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const [cmd, ...pre] = [...(options.launcher ?? []), file];
    const child = spawn(cmd, [...pre, ...args], {
      cwd: options.cwd,
      env: { ...process.env, INIT_CWD: options.cwd, FORCE_COLOR: '0', ...MPI_ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const onData = (d: Buffer): void => {
      output += d.toString();
      options.onOutput?.(output, child.pid as number);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      output += `\n[test] still running after ${options.timeoutMs} ms: killed\n`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, options.timeoutMs ?? 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** `mpirun -np N --bind-to none [mpirunArgs] node <cli> <args>`. */
export function mpirunKiln(np: number, args: string[], options: RunOptions & { mpirunArgs?: string[] }): Promise<Run> {
  return runCommand('mpirun', ['-np', String(np), '--bind-to', 'none', ...(options.mpirunArgs ?? []), process.execPath, CLI, ...args], options);
}

/** `node <cli> <args>` (one process, or the launcher of --workers). */
export function kilnAsync(args: string[], options: RunOptions): Promise<Run> {
  return runCommand(process.execPath, [CLI, ...args], options);
}

/** Every run folder under outputs/ (outputs/<day>/<time>), sorted. */
export function runFolders(outputs: string): string[] {
  if (!existsSync(outputs)) return [];
  return readdirSync(outputs)
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))
    .flatMap((d) => readdirSync(join(outputs, d)).map((t) => join(outputs, d, t)))
    .sort();
}

/** The weights stored in a checkpoint, by name. */
export function checkpointWeights(path: string): Map<string, Float32Array> {
  const ckpt = decodeCheckpoint(readFileSync(path), path);
  return new Map(ckpt.weights.map((w) => [w.name, w.data]));
}

/** Largest |a − b| over all weights (the two must hold the same names and sizes). */
export function maxWeightDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  if ([...a.keys()].join() !== [...b.keys()].join()) throw new Error(`different weights: ${[...a.keys()]} vs ${[...b.keys()]}`);
  let max = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    if (x.length !== y.length) throw new Error(`${name}: ${x.length} vs ${y.length} values`);
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  }
  return max;
}

/** Pids of the ranks mpirun `pid` started, keyed by MPI rank (from each process's environment). */
export function rankPids(mpirunPid: number): Map<number, number> {
  const out = new Map<number, number>();
  const r = spawnSync('pgrep', ['-P', String(mpirunPid)], { encoding: 'utf8' });
  for (const pid of (r.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const rank = env.find((e) => e.startsWith('OMPI_COMM_WORLD_RANK='));
      if (rank) out.set(Number(rank.split('=')[1]), pid);
    } catch {
      /* gone */
    }
  }
  return out;
}
