import { createRunContainer, UsageError, type Logger, type Registries } from '@kiln/core';
import type { DataModule } from '@kiln/data';
import type { BatchSource } from '@kiln/quantize';

export const PREDICTOR_QUANTIZE_MODES = ['int8'] as const;

/** `loadPredictor`'s `quantize`: run the model through Kiln's own int8 kernels. */
export interface PredictorQuantizeOptions {
  mode: (typeof PREDICTOR_QUANTIZE_MODES)[number];
  /** Training batches to calibrate on (default 32); the calibration is cached next to the checkpoint. */
  calibrationBatches?: number;
  /** 8-bit weights even on CPUs without VNNI/AMX (default: 7-bit there). */
  fullRange?: boolean;
  /** The run's training batches; read only when there is no cached calibration. */
  calibration: () => BatchSource | Promise<BatchSource>;
}

/** `--quantize=int8 [--calibration=N] [--full-range]` checked; undefined without `--quantize`. */
export function parseQuantizeFlags(command: string, quantize: string | undefined, calibration: string | undefined, fullRange: boolean): Omit<PredictorQuantizeOptions, 'calibration'> | undefined {
  if (quantize === undefined) {
    if (calibration !== undefined || fullRange) throw new UsageError(`${command}: --calibration and --full-range go with --quantize=int8`);
    return undefined;
  }
  if (!(PREDICTOR_QUANTIZE_MODES as readonly string[]).includes(quantize)) throw new UsageError(`${command}: unknown --quantize '${quantize}' (modes: ${PREDICTOR_QUANTIZE_MODES.join(', ')})`);
  const n = calibration === undefined ? undefined : Number(calibration);
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new UsageError(`${command}: --calibration must be a positive number of batches (got '${calibration}')`);
  return { mode: 'int8', ...(n !== undefined ? { calibrationBatches: n } : {}), ...(fullRange ? { fullRange: true } : {}) };
}

/**
 * The run's training batches, as `kiln export --quantize=int8` calibrates on. `config` is the
 * run's composed config; `registries` must hold its data module.
 */
export async function trainingBatches(config: Record<string, unknown>, registries: Registries, logger: Logger): Promise<BatchSource> {
  // no runDir: the data module must not write into the run it reads
  const data = createRunContainer({ config, registries, logger }).buildAt<DataModule>('datasets', 'data');
  await data.setup('fit');
  return data.trainLoader();
}
