import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadRunConfig, loadYamlFile, type Logger } from '@kiln/core';
import { loadPredictor, parseQuantizeFlags, resolveCheckpoint, runDirOf, trainingBatches, type Predictor } from '@kiln/evaluate';
import { optionList, optionString, type ParsedArgs } from './args';
import { gpusOption } from './devices';
import { findConfigDir } from './paths';
import { importInto, registerWithImports } from './registry';

/**
 * `kiln test` / `kiln predict`'s model from the command line (`--ckpt`, `--gpus`, `--import`,
 * `--trust-imports`, `--quantize=int8 [--calibration=N] [--full-range]`): the checkpoint, the built-in components plus the imports allowed, then
 * `@kiln/evaluate`'s loadPredictor.
 */
export async function openPredictor(args: ParsedArgs, logger: Logger, command: string): Promise<Predictor> {
  const quantize = parseQuantizeFlags(command, optionString(args, 'quantize'), optionString(args, 'calibration'), args.flags.has('full-range'));
  const checkpoint = resolveCheckpoint(optionString(args, 'ckpt'));
  const trustImports = args.flags.has('trust-imports');
  // A checkpoint is data: the run's own `imports:` (code from wherever the run came from) load only
  // with --trust-imports, resolved against the config.yaml that lists them; --import names others.
  const runConfig = join(runDirOf(checkpoint), 'config.yaml');
  const config = existsSync(runConfig) ? ((loadYamlFile(runConfig) as Record<string, unknown> | null) ?? {}) : {};
  const listed = config.imports;
  const registries = registerWithImports(optionList(args, 'import'));
  const untrusted = Array.isArray(listed) && listed.length > 0 && !trustImports;
  if (trustImports) importInto(registries, listed, dirname(runConfig));
  else if (untrusted) logger.info(`not importing ${(listed as unknown[]).join(', ')} from ${runConfig} (pass --trust-imports to run them)`);
  return loadPredictor({
    checkpoint,
    registries,
    config,
    logger,
    gpus: gpusOption(args),
    // int8 calibrates on the run's training batches, as `kiln export --quantize=int8` does
    ...(quantize ? { quantize: { ...quantize, calibration: () => trainingBatches(loadRunConfig(runDirOf(checkpoint), { configDir: findConfigDir(undefined) }).config, registries, logger) } } : {}),
    ...(untrusted
      ? { restoreHint: `the run lists imports: ${(listed as unknown[]).join(', ')}; pass --trust-imports or --import=<module> if the model needs them` }
      : {}),
  });
}

/** The int8 options `test`, `predict` and `validate` take. */
export const QUANTIZE_OPTIONS = {
  quantize: "int8: run through Kiln's own int8 kernels (native backend), calibrated on the run's training batches and cached in <run>/quant/",
  calibration: 'training batches to calibrate int8 on (default 32)',
};
export const QUANTIZE_FLAGS = { 'full-range': 'int8 weights in [-127, 127] instead of 7 bits on CPUs without VNNI/AMX (those can saturate)' };
