import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { composeConfig, createRunContainer, loggerFromConfig, UsageError, writeRunFiles } from '@kiln/core';
import type { LayersModel } from '@tensorflow/tfjs';
import { saveClasses } from '@kiln/data';
import { optionString, parseOrHelp, type CommandSpec } from '../args';
import { findConfigDir, resolveUserPath } from '../paths';
import { absoluteImports, registerWithImports } from '../registry';

export const spec: CommandSpec = {
  name: 'weights',
  summary: 'import pretrained weights (.safetensors, .pth, .onnx) as a Kiln run folder',
  usage: 'kiln weights import FILE --out=DIR [model=resnet model.stem=imagenet data=… key=value overrides…]',
  valueOptions: {
    out: 'run folder to write (config.yaml, classes.json, checkpoints/best.ckpt; its parent\'s latest points at it); must not hold a checkpoint yet',
    'config-dir': 'config groups for the overrides (default: ./configs or the repo configs)',
  },
  flags: {},
  positionals: true,
};

/**
 * `kiln weights import FILE --out=DIR`: composes the config (train.yaml + overrides), sets
 * `model.pretrained=FILE`, builds the data module (classes, input shape) and the model exactly as
 * training does — so the file is read, mapped and checked by `model.pretrained` (`model.strict`,
 * head re-initialisation) — and writes a run folder that test/predict/validate/export accept.
 */
export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const [sub, file, ...overrides] = args.positionals;
  if (sub !== 'import') throw new UsageError(`weights: unknown subcommand '${sub ?? ''}' (subcommands: import). ${spec.usage}`);
  if (!file || file.includes('=')) throw new UsageError(`weights import: give the weights FILE first. ${spec.usage}`);
  const outOpt = optionString(args, 'out');
  if (!outOpt) throw new UsageError(`weights import: --out=DIR is required. ${spec.usage}`);
  const out = resolveUserPath(outOpt);
  const ckptDir = join(out, 'checkpoints');
  if (existsSync(ckptDir) && readdirSync(ckptDir).length) throw new UsageError(`weights import: ${ckptDir} already holds checkpoints; choose a new --out`);
  const path = resolveUserPath(file);
  if (!existsSync(path)) throw new UsageError(`weights import: no file ${path}`);

  const all = [...overrides, `model.pretrained=${JSON.stringify(path)}`];
  const { config } = composeConfig({ configDir: findConfigDir(optionString(args, 'config-dir')), overrides: all });
  if (Array.isArray(config.imports)) config.imports = absoluteImports(config.imports);
  const { saveCheckpoint } = await import('@kiln/trainer');
  const registries = registerWithImports(config.imports);
  const logger = loggerFromConfig(config.logger, {});
  if (args.flags.has('debug')) logger.setLevel('DEBUG');
  const runCtx = createRunContainer({ config, registries, logger });
  try {
    const data = runCtx.buildAt<{ setup(stage: string): Promise<void>; numClasses: number; inputShape: number[]; classes: string[]; processor?: { toConfig(): unknown } }>('datasets', 'data');
    await data.setup('fit');
    const { net } = runCtx.buildAt<{ net: LayersModel }>('models', 'model', { numClasses: data.numClasses, inputShape: data.inputShape });
    mkdirSync(ckptDir, { recursive: true });
    // Like a training run: config.yaml, overrides.yaml, classes.json; `<parent>/latest` points here.
    writeRunFiles(out, { config, overrides: all }, join(out, '..'));
    saveClasses(out, data.classes);
    const weights = net.weights.map((w) => ({ name: w.name, shape: w.shape as number[], data: Float32Array.from(w.read().dataSync() as Float32Array) }));
    await saveCheckpoint(join(ckptDir, 'best.ckpt'), {
      epoch: 0,
      batchInEpoch: 0,
      globalStep: 0,
      topology: net.toJSON(undefined, false),
      weights,
      classes: data.classes,
      meta: { config, processor: data.processor?.toConfig() ?? null, classes: data.classes, importedFrom: path },
    });
    process.stdout.write(`imported ${path} into ${out} (${String((config.model as { _target_?: unknown })._target_)}, ${data.classes.length} classes): checkpoints/best.ckpt\n`);
    return 0;
  } finally {
    runCtx.dispose();
  }
}
