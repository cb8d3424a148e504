import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadYamlFile, type Logger } from '@kiln/core';
import { loadPredictor, resolveCheckpoint, runDirOf, type Predictor } from '@kiln/evaluate';
import { optionList, optionString, type ParsedArgs } from './args';
import { gpusOption } from './devices';
import { importInto, registerWithImports } from './registry';

/**
 * `kiln test` / `kiln predict`'s model from the command line (`--ckpt`, `--gpus`, `--import`,
 * `--trust-imports`): the checkpoint, the built-in components plus the imports allowed, then
 * `@kiln/evaluate`'s loadPredictor.
 */
export async function openPredictor(args: ParsedArgs, logger: Logger): Promise<Predictor> {
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
    ...(untrusted
      ? { restoreHint: `the run lists imports: ${(listed as unknown[]).join(', ')}; pass --trust-imports or --import=<module> if the model needs them` }
      : {}),
  });
}
