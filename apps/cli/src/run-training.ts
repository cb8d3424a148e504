import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRunDir, Logger, loggerFromConfig, writeRunFiles } from '@kiln/core';
import { resolveUserPath } from './paths';
import { registerWithImports } from './registry';
import * as engine from '@kiln/engine';
import { checkRunConfig, createProfiler, profilerKindOf, trainerDevices, trainFromConfig } from '@kiln/trainer';
import { joinMpiWorld, launchedRank } from './mpi-world';
import { launchLocalRanks } from './mpi-launch';
import { preflight } from '@kiln/preflight';

export interface TrainingRequest {
  config: Record<string, unknown>;
  overrides: string[];
  debug: boolean;
  /** Start-up the train command timed before this (`trainer.profiler`): process start → command, config compose. */
  startup?: { processMs: number; configMs: number };
}

/**
 * The train command's work: run directory, logger, engine, then either one in-process trainer
 * or one worker process per device. Workers run this same code with the launcher's run
 * directory (KILN_RUN_DIR) and its saved config; only rank 0 writes.
 */
export async function runTraining(req: TrainingRequest): Promise<number> {
  const { config } = req;
  // Started by mpirun/srun: this process is one rank of that MPI world (no flag needed).
  const launched = launchedRank();
  const { rank, worldSize } = launched ?? engine.workerIdentity();
  const isWorker = worldSize > 1;
  const trainerCfg = (config.trainer ?? {}) as { fastDevRun?: unknown };
  const fastDevRun = trainerCfg.fastDevRun !== undefined && trainerCfg.fastDevRun !== false;
  const runCfg = (config.run ?? {}) as { root?: string };
  const backend = String(((config.engine ?? {}) as { backend?: string }).backend ?? 'auto');
  let devices = trainerDevices(config.trainer);
  const profiler = createProfiler(profilerKindOf(config.trainer));
  if (req.startup) {
    profiler.add('startup.process', req.startup.processMs);
    profiler.add('startup.config', req.startup.configMs);
  }

  // Every component node and the data are checked before anything is created or moved (a typo
  // must not hide the last run); workers run the launcher's already-checked config.
  const registries = profiler.phase('startup.registry', () => registerWithImports(config.imports));
  if (isWorker && !launched) checkRunConfig(config, registries);
  else await profiler.phase('startup.preflight', () => preflight(config, registries, { logger: preflightLogger(req.debug, rank), dryRun: false }));
  const mpi = launched ? joinMpiWorld(config) : undefined;

  let runDir: string | undefined = process.env.KILN_RUN_DIR || undefined;
  if (!runDir && !fastDevRun && rank === 0) {
    runDir = createRunDir({ root: resolveUserPath(runCfg.root ?? 'outputs') });
    writeRunFiles(runDir, { config, overrides: req.overrides });
  }
  if (mpi) runDir = await mpi.shareRunDir(runDir);
  const logger = loggerFromConfig(config.logger, { runDir: rank === 0 ? runDir : undefined });
  if (req.debug) logger.setLevel('DEBUG');
  if (rank !== 0) logger.setLevel('ERROR');
  if (runDir && !isWorker) logger.info(`run directory: ${runDir}`);
  mpi?.announce(logger, runDir);

  const wantsWorkers = (devices.gpus?.length ?? devices.workers ?? 1) > 1;
  if (!isWorker && wantsWorkers) {
    const plan = await engine.planEngine({ backend, ...devices, logger });
    if (plan.spawnWorkers) {
      if (!runDir) {
        // A fast dev run writes no run directory; workers cannot share one, so it runs in this process.
        logger.warn(`trainer.fastDevRun: running in one process instead of ${plan.devices.ids.length} workers (a fast dev run writes no files)`);
        devices = devices.gpus ? { gpus: devices.gpus.slice(0, 1) } : {};
      } else {
        const mainArgs = ['train', ...(req.debug ? ['--debug'] : []), '--config', join(runDir, 'config.yaml')];
        const viaMpi = await launchLocalRanks({ config, devices: plan.devices, command: [join(__dirname, 'main.js'), ...mainArgs], env: { KILN_RUN_DIR: runDir }, logger });
        if (viaMpi !== undefined) return viaMpi;
        const result = await engine.launchWorkers({
          devices: plan.devices,
          script: join(__dirname, 'main.js'),
          args: ['train', ...(req.debug ? ['--debug'] : []), '--config', join(runDir, 'config.yaml')],
          env: { KILN_RUN_DIR: runDir },
          logger,
        });
        return result.exitCode;
      }
    }
  }

  const engineInfo = await profiler.phase('startup.engine', () => engine.initEngine({ backend, ...devices, logger, ...mpi?.engineOptions() }));
  const communicator = mpi?.comm ?? (isWorker ? engine.getCommunicator() : undefined);
  // trainFromConfig builds the run's container (seeded once there) and every component through it.
  const training = trainFromConfig({ config, registries, logger, runDir, communicator, engine: engineInfo, profiler });
  const result = await (mpi ? mpi.finish(training) : training);
  if (rank === 0 && result.best) {
    const best = runDir && existsSync(join(runDir, 'checkpoints', 'best.ckpt')) ? join(runDir, 'checkpoints', 'best.ckpt') : result.bestCheckpointPath;
    logger.info(`done: best ${result.best.monitor} = ${result.best.value.toFixed(4)}${best ? `, checkpoint ${best}` : ''}`);
  }
  return 0;
}

/** The run's logger needs the run directory; until it exists, preflight messages go to the console only. */
function preflightLogger(debug: boolean, rank = 0): Logger {
  const logger = new Logger();
  if (debug) logger.setLevel('DEBUG');
  if (rank !== 0) logger.setLevel('ERROR'); // every MPI rank checks its own view of the data; rank 0 speaks
  return logger;
}
