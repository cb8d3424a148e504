/**
 * End-to-end: the default training recipe (shapes + simple_cnn + adam + cosine + trainer/default)
 * through trainFromConfig with the real packages. Prints time per epoch and the final metrics.
 *   npx tsx bench/shapes-e2e.ts [maxEpochs] [backend] ['{"optimizer":{"_target_":"sgd"}}']
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleSink, createRegistries, loadYamlFile, Logger } from '@kiln/core';
import * as augmentation from '@kiln/augmentation';
import { register as registerCallbacks } from '@kiln/callbacks';
import { register as registerData } from '@kiln/data';
import { initEngine } from '@kiln/engine';
import { register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { register as registerModels } from '@kiln/models';
import { register as registerProcessors } from '@kiln/processors';
import { register as registerTrainer, trainFromConfig } from '@kiln/trainer';

const configs = join(__dirname, '..', 'configs');
const load = (p: string) => loadYamlFile(join(configs, p)) as Record<string, unknown>;

async function main() {
  const maxEpochs = Number(process.argv[2] ?? 12);
  const backend = (process.argv[3] ?? 'auto') as 'auto';
  const logger = new Logger({ sinks: [consoleSink()] });
  const engine = await initEngine({ backend, logger });
  logger.info(`backend: ${JSON.stringify(engine.backend)}`);
  const callbacks = load('callbacks/default.yaml');
  delete callbacks.progress_bar;
  // Optional JSON overrides of top-level nodes: '{"optimizer": {...}, "scheduler": null}'
  const overrides = JSON.parse(process.argv[4] ?? '{}') as Record<string, unknown>;
  const config: Record<string, unknown> = {
    seed: 42,
    data: load('data/shapes.yaml'),
    model: { _target_: 'simple_cnn' },
    loss: { _target_: 'cross_entropy' },
    optimizer: load('optimizer/adam.yaml'),
    scheduler: load('scheduler/cosine.yaml'),
    trainer: { ...load('trainer/default.yaml'), maxEpochs, logEveryNSteps: 20 },
    callbacks,
  };
  Object.assign(config, overrides);
  // Tolerates a package whose register() has not landed yet (its components are then left out).
  const registerAugmentation = (augmentation as { register?: (r: unknown) => void }).register;
  if (!registerAugmentation) delete (config.data as Record<string, unknown>).augmentation;
  const registries = createRegistries(
    registerData, registerProcessors, registerAugmentation ?? (() => undefined), registerModels,
    registerLosses, registerMetrics, registerTrainer, registerCallbacks,
  );
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
  const t0 = Date.now();
  const result = await trainFromConfig({ config, registries, logger, runDir });
  const s = (Date.now() - t0) / 1000;
  logger.info(`done in ${s.toFixed(1)} s (${(s / maxEpochs).toFixed(1)} s/epoch); run dir ${runDir}`);
  logger.info(JSON.stringify({ metrics: result.metrics, best: result.best, bestCheckpoint: result.bestCheckpointPath }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
