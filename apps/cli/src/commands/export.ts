import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadYamlFile, UsageError } from '@kiln/core';
import { optionString, parseOrHelp, type CommandSpec } from '../args';
import { checkClassesMatch, resolveCheckpoint, runDirOf } from '@kiln/evaluate';
import { resolveUserPath } from '../paths';

const FORMATS = ['tfjs', 'onnx'];
const OUTPUTS = ['probabilities', 'logits'];

export const spec: CommandSpec = {
  name: 'export',
  summary: 'export a trained model as a TensorFlow.js LayersModel folder or ONNX, with kiln.json preprocessing',
  usage: 'kiln export --format=tfjs|onnx [--ckpt=RUN_DIR|FILE] [--out=DIR] [--output=probabilities|logits]',
  valueOptions: {
    format: 'tfjs (model.json + weight shards) or onnx (model.onnx, opset 17, NHWC input)',
    ckpt: 'checkpoint file or run folder (default: best checkpoint of outputs/latest)',
    out: 'folder to write (default: <run>/export/<format>)',
    output: 'probabilities (default: softmax appended) or logits',
  },
  flags: {},
  positionals: false,
};

export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const format = optionString(args, 'format');
  if (!format) throw new UsageError(`export: --format=${FORMATS.join('|')} is required`);
  if (!FORMATS.includes(format)) throw new UsageError(`export: unknown --format '${format}' (formats: ${FORMATS.join(', ')})`);
  const output = optionString(args, 'output') ?? 'probabilities';
  if (!OUTPUTS.includes(output)) throw new UsageError(`export: --output must be ${OUTPUTS.join(' or ')} (got '${output}')`);
  const checkpoint = resolveCheckpoint(optionString(args, 'ckpt'));
  const outOpt = optionString(args, 'out');
  const out = outOpt ? resolveUserPath(outOpt) : join(runDirOf(checkpoint), 'export', format);
  // Heavy work (tfjs, the run's own `imports:`) only after the arguments are known to be good.
  const [{ exportModel }, { registerWithImports }] = await Promise.all([import('@kiln/export'), import('../registry.js')]);
  const runConfig = join(runDirOf(checkpoint), 'config.yaml');
  const imports = existsSync(runConfig) ? (loadYamlFile(runConfig) as { imports?: unknown } | null)?.imports : undefined;
  const result = await exportModel({
    ckpt: checkpoint,
    format: format as 'tfjs' | 'onnx',
    out,
    output: output as 'probabilities' | 'logits',
    registries: registerWithImports(imports),
    check: (source) => checkClassesMatch(checkpoint, source.classes),
  });
  const { input } = result.manifest;
  process.stdout.write(
    `exported ${result.checkpoint} as ${format} (${input.height}×${input.width}×${input.channels} ${input.layout} in, ` +
      `${result.manifest.output} out, ${result.manifest.classes.length} classes) to ${result.dir}:\n` +
      result.files.map((f) => `  ${f}\n`).join(''),
  );
  return 0;
}
