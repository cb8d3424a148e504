import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { ConfigError, didYouMean, type Logger } from '@kiln/core';
import type { DeviceRequest } from '@kiln/engine';
import { hasMpirun, isMpiAvailable, mpiLoadError, mpirunCommand } from '@kiln/mpi';

/** Set for ranks that `kiln train --gpus/--workers` started itself (their launcher already said how). */
export const ENV_LOCAL_LAUNCH = 'KILN_MPI_LOCAL_LAUNCH';

export const PARALLEL_CHOICES = ['auto', 'mpi', 'ipc'] as const;
export type ParallelChoice = (typeof PARALLEL_CHOICES)[number];

/** `engine.parallel`: how `--gpus`/`--workers` run on one host (auto = MPI when installed, else local IPC). */
export function parallelChoiceOf(config: Record<string, unknown>): ParallelChoice {
  const value = ((config.engine ?? {}) as { parallel?: unknown }).parallel ?? 'auto';
  if ((PARALLEL_CHOICES as readonly unknown[]).includes(value)) return value as ParallelChoice;
  throw new ConfigError(`engine.parallel=${String(value)} is not one of ${PARALLEL_CHOICES.join(' | ')}${didYouMean(String(value), PARALLEL_CHOICES)}`, {
    path: 'engine.parallel',
    key: 'parallel',
    suggestions: [...PARALLEL_CHOICES],
  });
}

/** Why MPI cannot carry this run on this host, or undefined when it can. */
function mpiMissing(): string | undefined {
  if (!hasMpirun()) return 'mpirun not found on PATH';
  if (!isMpiAvailable()) return `@kiln/mpi not built: ${mpiLoadError() ?? 'unknown reason'}`;
  return undefined;
}

export interface LocalRanksOptions {
  config: Record<string, unknown>;
  devices: DeviceRequest;
  /** What every rank runs after `node`: the CLI and its arguments. */
  command: string[];
  env: Record<string, string>;
  logger: Logger;
}

/**
 * `--gpus=1,2` / `--workers=N` on one host: starts the ranks under `mpirun` when MPI is installed (or
 * `engine.parallel: mpi`) and resolves with mpirun's exit code; undefined means "use the local IPC path".
 * Says which in one INFO line.
 */
export async function launchLocalRanks(options: LocalRanksOptions): Promise<number | undefined> {
  const { devices, logger } = options;
  const n = devices.ids.length;
  const choice = parallelChoiceOf(options.config);
  const missing = choice === 'ipc' ? 'engine.parallel=ipc' : mpiMissing();
  if (missing) {
    if (choice === 'mpi') throw new ConfigError(`engine.parallel=mpi but MPI cannot be used: ${missing}`, { path: 'engine.parallel' });
    logger.info(`parallel: ${n} workers over local IPC (${missing}); install OpenMPI for the MPI path`);
    return undefined;
  }
  const gpus = devices.kind === 'gpu' ? devices.ids : undefined;
  // --workers=N may ask for more ranks than cores, as the IPC path allows (OpenMPI refuses that by default).
  const env = { OMPI_MCA_rmaps_base_oversubscribe: '1', ...process.env, ...options.env, [ENV_LOCAL_LAUNCH]: '1' };
  const cmd = mpirunCommand({ ranks: n, command: [process.execPath, ...options.command], gpus, env });
  logger.info(`parallel: ${n} ranks on MPI (${cmd.file} -np ${n}${gpus ? `, local rank → CUDA_VISIBLE_DEVICES of ${gpus.join(',')}` : ''})`);
  return runMpirun(cmd.file, cmd.args, cmd.env);
}

/** The ranks mpirun started (its direct children), via pgrep; empty when that is not available. */
function childPids(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || !r.stdout) return [];
  return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger);
}

/**
 * Runs mpirun with this process's stdio. SIGINT/SIGTERM go straight to the ranks: mpirun itself would
 * answer with SIGTERM and then SIGKILL a second later (odls_base_sigkill_timeout), which can cut rank
 * 0's last.ckpt short; the ranks instead agree to stop after the current step, rank 0 saves, and they
 * exit 130/143. mpirun's exit code is the run's.
 */
function runMpirun(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    // Own process group: a terminal's Ctrl-C reaches this process only, which forwards it once.
    const child: ChildProcess = spawn(file, args, { env, stdio: 'inherit', detached: true });
    const forward = (signal: NodeJS.Signals): void => {
      const ranks = child.pid ? childPids(child.pid) : [];
      if (ranks.length === 0) {
        child.kill(signal);
        return;
      }
      for (const pid of ranks) {
        try {
          process.kill(pid, signal);
        } catch {
          /* already gone */
        }
      }
    };
    const onInt = (): void => forward('SIGINT');
    const onTerm = (): void => forward('SIGTERM');
    // If this process dies, mpirun (in its own group) must not outlive it.
    const onExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('exit', onExit);
    const done = (code: number): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('exit', onExit);
      resolve(code);
    };
    child.on('error', (error) => {
      process.stderr.write(`kiln: could not run ${file}: ${error.message}\n`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1)));
  });
}
