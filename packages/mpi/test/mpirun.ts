// Starts test scripts under mpirun and decides when MPI tests can run at all.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { hasMpirun } from '../src/launch';
import { isMpiAvailable, mpiLoadError } from '../src/load-addon';

export const MPI_ENV = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };

/**
 * Why the MPI tests cannot run here (undefined when they can). Under CI with mpirun installed,
 * a missing or broken addon is an error, not a skip: the build must not fail silently.
 */
export function mpiSkipReason(): string | undefined {
  const mpirun = hasMpirun();
  if (mpirun && !isMpiAvailable() && process.env.CI === 'true') {
    throw new Error(`mpirun is installed but @kiln/mpi's addon is unusable under CI: ${mpiLoadError()}`);
  }
  if (!mpirun) return 'mpirun not found (apt-get install openmpi-bin libopenmpi-dev)';
  if (!isMpiAvailable()) return `@kiln/mpi addon unavailable: ${mpiLoadError()}`;
  return undefined;
}

export const TSX_IMPORT = pathToFileURL(createRequire(__filename).resolve('tsx')).href;

export interface MpiRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

/**
 * `[launcher…] mpirun -np N <mpirunArgs> node --import tsx <script> <args>`; kills the whole run
 * (its process group) after `timeoutMs`.
 */
export function runMpi(np: number, script: string, args: string[] = [], options: { mpirunArgs?: string[]; timeoutMs?: number; env?: Record<string, string>; launcher?: string[] } = {}): Promise<MpiRun> {
  const started = Date.now();
  const argv = ['-np', String(np), '--bind-to', 'none', ...(options.mpirunArgs ?? []), process.execPath, '--import', TSX_IMPORT, script, ...args];
  return new Promise((resolve) => {
    const [cmd, ...pre] = [...(options.launcher ?? []), 'mpirun'];
    const child = spawn(cmd, [...pre, ...argv], { env: { ...process.env, ...MPI_ENV, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[test] mpirun still running after ${options.timeoutMs} ms: killed\n`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: Date.now() - started });
    });
  });
}

/** The JSON lines a script printed (one object per line starting with `{`). */
export function jsonLines<T>(output: string): T[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}
