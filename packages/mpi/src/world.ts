import { loadAddon, mpiLoadError } from './load-addon.js';
import type { MpiAddon, MpiWorldInfo } from './native-addon.js';

/** MPI is not usable in this process (addon not built, or MPI failed to start). */
export class MpiUnavailableError extends Error {
  override readonly name = 'MpiUnavailableError';
}

let started: { addon: MpiAddon; info: MpiWorldInfo } | undefined;
let abortHandlers = false;

/**
 * Initialises MPI once for this process and returns the addon with the world it sees.
 * Also arranges for a clean MPI_Finalize when the process exits with code 0, and for the
 * whole job to be aborted (naming this rank) when it exits with any other code.
 */
export function startMpi(): { addon: MpiAddon; info: MpiWorldInfo } {
  if (started) return started;
  const addon = loadAddon();
  if (!addon) throw new MpiUnavailableError(`@kiln/mpi: ${mpiLoadError()}`);
  const info = addon.init();
  started = { addon, info };
  process.on('exit', (code) => {
    const state = addon.state();
    if (!state.initialized || state.finalized) return;
    if (code === 0 && state.pending === 0) addon.finalize();
    else if (code === 0) addon.abort(1, `kiln: rank ${info.rank}: exited with ${state.pending} collective(s) still in flight`);
    else addon.abort(clampCode(code), `kiln: rank ${info.rank}: exited with code ${code}; aborting the MPI job`);
  });
  return started;
}

/** The world of this process when MPI was started, else undefined. */
export function mpiWorld(): MpiWorldInfo | undefined {
  return started?.info;
}

const clampCode = (code: number): number => (Number.isInteger(code) && code >= 1 && code <= 255 ? code : 1);

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  return String(reason);
}

/**
 * Logs `rank N: reason` and ends every rank of the job now (MPI_Abort), so a failing rank
 * never leaves the others waiting in a collective. Without MPI it just exits this process.
 */
export function abortWorld(reason: unknown, code = 1): never {
  const addon = loadAddon();
  const rank = started?.info.rank ?? Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? process.env.SLURM_PROCID ?? 0);
  const message = `kiln: rank ${rank}: ${describe(reason)}`;
  if (addon) addon.abort(clampCode(code), message);
  console.error(message);
  process.exit(clampCode(code));
}

/** Uncaught exceptions and unhandled rejections end the whole MPI job (once per process). */
export function installAbortOnError(): void {
  if (abortHandlers) return;
  abortHandlers = true;
  process.on('uncaughtException', (error) => abortWorld(error));
  process.on('unhandledRejection', (reason) => abortWorld(reason));
}

/** MPI_Finalize now (after awaiting every collective); later collectives throw. */
export function finalizeMpi(): void {
  started?.addon.finalize();
}
