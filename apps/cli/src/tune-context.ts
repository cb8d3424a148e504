import { join } from 'node:path';
import { composeConfig, loadRunConfig, Logger } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import type { TuneContext } from '@kiln/tune';
import { findConfigDir, resolveUserPath } from './paths';
import { registerWithImports } from './registry';

export interface TuneRequest {
  overrides: string[];
  configDir?: string;
  /** A saved run's config.yaml (or run folder) to start from instead of train.yaml. */
  savedConfig?: string;
  out?: string;
  gpus?: number[];
  debug: boolean;
}

/**
 * The composed config (train.yaml or a saved run, plus overrides), the registries with the
 * config's `imports`, and the engine — set up as `train` does for a single process.
 */
export async function tuneContext(req: TuneRequest): Promise<TuneContext> {
  const configDir = findConfigDir(req.configDir);
  const { config } = req.savedConfig
    ? loadRunConfig(resolveUserPath(req.savedConfig), { configDir, overrides: req.overrides })
    : composeConfig({ configDir, overrides: req.overrides });
  const logger = new Logger({ level: req.debug ? 'DEBUG' : 'INFO' });
  const devices = ((config.trainer ?? {}) as { devices?: unknown }).devices;
  if ((Array.isArray(devices) && devices.length > 1) || (typeof devices === 'number' && devices > 1)) {
    logger.warn(`trainer.devices=${JSON.stringify(devices)}: tuning runs in one process on one device; per-device batch sizes are what it finds`);
  }
  const backend = String(((config.engine ?? {}) as { backend?: string }).backend ?? 'auto');
  const engine = await initEngine({ backend, ...(req.gpus ? { gpus: req.gpus.slice(0, 1) } : {}), logger });
  const root = ((config.run ?? {}) as { root?: string }).root ?? 'outputs';
  const outDir = req.out ? resolveUserPath(req.out) : join(resolveUserPath(root), 'tune');
  return { config, registries: registerWithImports(config.imports), logger, outDir, engine };
}
