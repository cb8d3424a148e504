import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRunContainer, loadRunConfig, loadYamlFile, Logger, UsageError } from '@kiln/core';
import type { DataModule } from '@kiln/data';
import { optionString, parseOrHelp, type CommandSpec } from '../args';
import { checkClassesMatch, resolveCheckpoint, runDirOf } from '@kiln/evaluate';
import { findConfigDir, resolveUserPath } from '../paths';

const FORMATS = ['tfjs', 'onnx'];
const OUTPUTS = ['probabilities', 'logits'];
const QUANTIZE: Record<string, string[]> = { onnx: ['int8', 'dynamic'], tfjs: ['uint8', 'float16'] };

export const spec: CommandSpec = {
  name: 'export',
  summary: 'export a trained model as a TensorFlow.js LayersModel folder or ONNX, with kiln.json preprocessing',
  usage: 'kiln export --format=tfjs|onnx [--ckpt=RUN_DIR|FILE] [--out=DIR] [--output=probabilities|logits] [--quantize=int8|dynamic|uint8|float16 [--calibration=32]]',
  valueOptions: {
    format: 'tfjs (model.json + weight shards) or onnx (model.onnx, opset 17, NHWC input)',
    ckpt: 'checkpoint file or run folder (default: best checkpoint of outputs/latest)',
    out: 'folder to write (default: <run>/export/<format>)',
    output: 'probabilities (default: softmax appended) or logits',
    quantize: 'onnx: int8 (static, calibrated activations) or dynamic (int8 weights); tfjs: uint8 or float16 weights. Writes model.quant.json',
    calibration: 'training batches to calibrate int8 activations on (default 32)',
    'calibration-method': 'minmax (default) or percentile (99.99th)',
  },
  flags: { 'full-range': 'onnx: int8 weights in [-127, 127] instead of 7 bits (only for CPUs with VNNI/AMX or GPUs: others saturate)' },
  positionals: false,
};

type Batches = AsyncIterable<{ images: Float32Array; shape: readonly number[]; labels?: Int32Array }>;

/**
 * The run's data for quantization: its training batches to calibrate on (int8), and its
 * validation split (else test, with a WARN) for the quality report.
 */
async function quantizeData(runDir: string, logger: Logger, calibrate: boolean): Promise<{ calibration?: Batches; evaluation?: Batches; evaluationSplit?: string }> {
  const { registerWithImports } = await import('../registry.js');
  const { config } = loadRunConfig(runDir, { configDir: findConfigDir(undefined) });
  // no runDir: the data module must not write into the run it exports
  const data = createRunContainer({ config, registries: registerWithImports(config.imports), logger }).buildAt<DataModule>('datasets', 'data');
  await data.setup('fit');
  let evaluation: Batches | undefined = data.valLoader();
  let evaluationSplit = 'val';
  if (!evaluation) {
    await data.setup('test');
    evaluation = data.testLoader();
    evaluationSplit = 'test';
    logger.warn(evaluation ? "export: the run has no validation split; the quantization report uses its test split" : 'export: the run has no validation or test split; the quantization report has no agreement/accuracy');
  }
  return { ...(calibrate ? { calibration: data.trainLoader() } : {}), ...(evaluation ? { evaluation, evaluationSplit } : {}) };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const format = optionString(args, 'format');
  if (!format) throw new UsageError(`export: --format=${FORMATS.join('|')} is required`);
  if (!FORMATS.includes(format)) throw new UsageError(`export: unknown --format '${format}' (formats: ${FORMATS.join(', ')})`);
  const output = optionString(args, 'output') ?? 'probabilities';
  if (!OUTPUTS.includes(output)) throw new UsageError(`export: --output must be ${OUTPUTS.join(' or ')} (got '${output}')`);
  const quantize = optionString(args, 'quantize');
  if (quantize !== undefined && !QUANTIZE[format].includes(quantize)) throw new UsageError(`export: --quantize for ${format} is ${QUANTIZE[format].join(' or ')} (got '${quantize}')`);
  const calibrationOpt = optionString(args, 'calibration');
  const calibration = calibrationOpt === undefined ? 32 : Number(calibrationOpt);
  if (!Number.isInteger(calibration) || calibration < 1) throw new UsageError(`export: --calibration must be a positive number of batches (got '${calibrationOpt}')`);
  const method = optionString(args, 'calibration-method') ?? 'minmax';
  if (method !== 'minmax' && method !== 'percentile') throw new UsageError(`export: --calibration-method is minmax or percentile (got '${method}')`);
  const checkpoint = resolveCheckpoint(optionString(args, 'ckpt'));
  const outOpt = optionString(args, 'out');
  const out = outOpt ? resolveUserPath(outOpt) : join(runDirOf(checkpoint), 'export', format);
  // Heavy work (tfjs, the run's own `imports:`) only after the arguments are known to be good.
  const [{ exportModel }, { registerWithImports }] = await Promise.all([import('@kiln/export'), import('../registry.js')]);
  const runConfig = join(runDirOf(checkpoint), 'config.yaml');
  const imports = existsSync(runConfig) ? (loadYamlFile(runConfig) as { imports?: unknown } | null)?.imports : undefined;
  const logger = new Logger({ level: 'INFO' });
  const data = quantize ? await quantizeData(runDirOf(checkpoint), logger, quantize === 'int8') : undefined;
  const result = await exportModel({
    ckpt: checkpoint,
    format: format as 'tfjs' | 'onnx',
    out,
    output: output as 'probabilities' | 'logits',
    registries: registerWithImports(imports),
    check: (source) => checkClassesMatch(checkpoint, source.classes),
    ...(quantize && data
      ? { quantize: { mode: quantize as 'int8', calibration: data.calibration, calibrationBatches: calibration, calibrationMethod: method, reduceRange: !args.flags.has('full-range'), evaluation: data.evaluation, evaluationSplit: data.evaluationSplit } }
      : {}),
  });
  const { input } = result.manifest;
  process.stdout.write(
    `exported ${result.checkpoint} as ${format} (${input.height}×${input.width}×${input.channels} ${input.layout} in, ` +
      `${result.manifest.output} out, ${result.manifest.classes.length} classes) to ${result.dir}:\n` +
      result.files.map((f) => `  ${f}\n`).join(''),
  );
  if (result.quantization) {
    const { formatQuantReport } = await import('@kiln/export');
    process.stdout.write(formatQuantReport(result.quantization).map((l) => l + '\n').join(''));
  }
  return 0;
}
