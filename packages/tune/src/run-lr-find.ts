import { join } from 'node:path';
import { writeFileAtomic } from '@kiln/core';
import { findLr, type LrFindResult } from './lr-finder';
import { formatLr } from './lr-curve';
import { lrPlotPng } from './lr-plot';
import type { TuneContext } from './tune-context';
import { buildTuneParts } from './tune-parts';

export interface LrFindRequest {
  minLr: number;
  maxLr: number;
  steps: number;
}

/** `kiln tune lr`: sweep, then `<out>/lr_find.png|json|txt`; prints the suggested override. Exit code. */
export async function runLrFind(ctx: TuneContext, req: LrFindRequest): Promise<number> {
  const { logger } = ctx;
  const parts = await buildTuneParts({ ...ctx, maxSteps: req.steps });
  logger.info(`lr range test: ${req.steps} steps, lr ${req.minLr} → ${req.maxLr} (exponential); weights are discarded afterwards`);
  let result: LrFindResult;
  try {
    result = await findLr(parts, { minLr: req.minLr, maxLr: req.maxLr, steps: req.steps, logger });
  } finally {
    parts.dispose();
  }
  const last = result.points[result.points.length - 1];
  if (result.diverged) logger.info(`loss diverged after ${result.points.length} steps (lr ${last ? formatLr(last.lr) : req.minLr}): sweep stopped`);
  const override = result.suggestion !== undefined ? `optimizer.lr=${formatLr(result.suggestion)}` : undefined;
  const png = join(ctx.outDir, 'lr_find.png');
  await writeFileAtomic(png, await lrPlotPng(result.points, result.suggestion));
  const json = { ...result, override: override ?? null, configuredLr: (ctx.config.optimizer as { lr?: number }).lr ?? null };
  await writeFileAtomic(join(ctx.outDir, 'lr_find.json'), JSON.stringify(json, null, 2) + '\n');
  if (!override) {
    await writeFileAtomic(join(ctx.outDir, 'lr_find.txt'), '');
    process.stderr.write(`kiln: tune lr: only ${result.points.length} steps ran before the loss diverged; no suggestion (try a smaller --max-lr); plot: ${png}\n`);
    return 1;
  }
  await writeFileAtomic(join(ctx.outDir, 'lr_find.txt'), override + '\n');
  logger.info(`plot: ${png}; curve: ${join(ctx.outDir, 'lr_find.json')}`);
  const lowest = result.lowestLossLr !== undefined ? `; lowest loss at ${formatLr(result.lowestLossLr)}` : '';
  process.stdout.write(`suggested learning rate: ${formatLr(result.suggestion!)} (steepest descent${lowest}; configured ${json.configuredLr ?? 'n/a'})\n${override}\n`);
  return 0;
}
