import { ComponentBuilder, Logger, silentLogger, type Registries } from '@kiln/core';
import * as engine from '@kiln/engine';
import { epochSteps, estimateEpochTime, formatPlan, preflight, PreflightError } from '@kiln/preflight';
import { registerWithImports } from './registry';

/**
 * `kiln train --dry-run`: every check a real run makes before writing (config, components,
 * data), then a few timed training steps for an epoch estimate, then the plan on stdout.
 * Exit 0, or a `PreflightError` (exit 2) listing every problem. Writes no run folder.
 */
export async function dryRun(config: Record<string, unknown>, debug: boolean): Promise<number> {
  const logger = new Logger();
  if (debug) logger.setLevel('DEBUG');
  const registries = registerWithImports(config.imports);
  const pre = await preflight(config, registries, { logger, dryRun: true });
  const steps = epochSteps(config, pre);
  let estimate: string | undefined;
  if (steps) {
    const backend = String(((config.engine ?? {}) as { backend?: string }).backend ?? 'auto');
    const engineInfo = await engine.initEngine({ backend, logger });
    const problems = constructParts(config, registries);
    if (problems.length) throw new PreflightError(problems, 'constructing the components');
    try {
      estimate = await estimateEpochTime(config, registries, pre, steps, engineInfo);
    } catch (err) {
      // The model, loss or optimizer could not take the data (e.g. an input size the model cannot use).
      throw new PreflightError([`the first training steps failed: ${(err as Error).message}`], 'training a few steps');
    }
  }
  process.stdout.write(formatPlan(config, pre, estimate));
  return 0;
}

/**
 * Constructs the callbacks and the trainer exactly as configured (the timed steps use their own
 * trainer options and no callbacks), so an error only a constructor sees is found too. Nothing
 * here writes: callbacks open their files when the fit starts, with a run directory.
 */
function constructParts(config: Record<string, unknown>, registries: Registries): string[] {
  const builder = new ComponentBuilder(registries, { logger: silentLogger, seed: typeof config.seed === 'number' ? config.seed : 0 });
  const problems: string[] = [];
  const nodes: [string, unknown][] = Object.entries((config.callbacks ?? {}) as Record<string, unknown>).map(([k, v]) => [`callbacks.${k}`, v]);
  for (const [path, node] of nodes) {
    if (node === null || node === false) continue;
    try {
      builder.build('callbacks', node, path);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  try {
    builder.build('trainers', { _target_: 'trainer', ...((config.trainer ?? {}) as Record<string, unknown>) }, 'trainer');
  } catch (err) {
    problems.push((err as Error).message);
  }
  return problems;
}
