import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRunDir, loggerFromConfig, writeRunFiles } from '@kiln/core';
import { resolveUserPath } from './paths';
import { registerWithImports } from './registry';
import * as engine from '@kiln/engine';
import { trainFromConfig } from '@kiln/trainer';

export interface TrainingRequest {
  config: Record<string, unknown>;
  overrides: string[];
  debug: boolean;
}

type Devices = null | undefined | number | number[];

/** `trainer.devices`: a list is GPU ids, a number is a CPU worker count. */
function deviceOptions(devices: Devices): { gpus?: number[]; workers?: number } {
  if (Array.isArray(devices)) return { gpus: devices };
  return typeof devices === 'number' ? { workers: devices } : {};
}

/**
 * The train command's work: run directory, logger, seeding, engine, then either one
 * in-process trainer or one worker process per device. Workers run this same code with
 * the launcher's run directory (KILN_RUN_DIR) and its saved config; only rank 0 writes.
 */
export async function runTraining(req: TrainingRequest): Promise<number> {
  const { config } = req;
  const { rank, worldSize } = engine.workerIdentity();
  const isWorker = worldSize > 1;
  const trainerCfg = (config.trainer ?? {}) as { devices?: Devices; fastDevRun?: boolean };
  const runCfg = (config.run ?? {}) as { root?: string };
  const backend = String(((config.engine ?? {}) as { backend?: string }).backend ?? 'auto');

  let runDir: string | undefined = process.env.KILN_RUN_DIR;
  if (!runDir && !trainerCfg.fastDevRun) {
    runDir = createRunDir({ root: resolveUserPath(runCfg.root ?? 'outputs') });
    writeRunFiles(runDir, { config, overrides: req.overrides });
  }
  const logger = loggerFromConfig(config.logger, { runDir: rank === 0 ? runDir : undefined });
  if (req.debug) logger.setLevel('DEBUG');
  if (rank !== 0) logger.setLevel('ERROR');
  if (runDir && !isWorker) logger.info(`run directory: ${runDir}`);

  const devices = deviceOptions(trainerCfg.devices);
  const wantsWorkers = (devices.gpus?.length ?? devices.workers ?? 1) > 1;
  if (!isWorker && wantsWorkers) {
    const plan = await engine.planEngine({ backend, ...devices, logger });
    if (plan.spawnWorkers) {
      const result = await engine.launchWorkers({
        devices: plan.devices,
        script: join(__dirname, 'main.js'),
        args: ['train', ...(req.debug ? ['--debug'] : []), '--config', join(runDir!, 'config.yaml')],
        env: { KILN_RUN_DIR: runDir! },
        logger,
      });
      return result.exitCode;
    }
  }

  const engineInfo = await engine.initEngine({ backend, ...devices, logger });
  const communicator = isWorker ? engine.getCommunicator() : undefined;
  // trainFromConfig builds the run's container (seeded once there) and every component through it.
  const result = await trainFromConfig({ config, registries: registerWithImports(config.imports), logger, runDir, communicator, engine: engineInfo });
  if (rank === 0 && result.bestMetric !== undefined) {
    const best = runDir && existsSync(join(runDir, 'checkpoints', 'best.ckpt')) ? join(runDir, 'checkpoints', 'best.ckpt') : result.bestCheckpoint;
    logger.info(`done: best ${result.monitor} = ${result.bestMetric.toFixed(4)}${best ? `, checkpoint ${best}` : ''}`);
  }
  return 0;
}
