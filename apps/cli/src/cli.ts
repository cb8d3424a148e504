import { KilnError } from '@kiln/core';

type CommandModule = { run(argv: string[]): Promise<number> };

/** Commands lazy-import their work so `--help` and usage errors answer instantly. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  train: { summary: 'train a model from configs/train.yaml + overrides', load: () => import('./commands/train.js') },
  test: { summary: 'predict a CSV, write predictions + metrics report', load: () => import('./commands/test.js') },
  predict: { summary: 'top-k classes for images as JSON', load: () => import('./commands/predict.js') },
  tune: { summary: 'find a learning rate (tune lr) or the largest batch size that fits (tune batch-size)', load: () => import('./commands/tune.js') },
  validate: { summary: "metrics of a checkpoint on its run's val (or test) split, same report as test", load: () => import('./commands/validate.js') },
  export: { summary: 'export a trained model as tfjs (web) or ONNX', load: () => import('./commands/export.js') },
  schema: { summary: 'write JSON Schemas of the configs (with your own components) for editors', load: () => import('./commands/schema.js') },
  dataset: { summary: 'import public datasets (mnist, fashion-mnist, cifar10) to CSV', load: () => import('./commands/dataset.js') },
  weights: { summary: 'import pretrained weights (.safetensors, .pth, .onnx) as a run folder (weights import FILE --out=DIR)', load: () => import('./commands/weights.js') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`);
  return ['Usage: kiln <command> [options] [key=value overrides…]', '', 'Commands:', ...rows, '', 'kiln <command> --help for its options.'].join('\n');
}

/** Maps any failure to an exit code and one line; the stack only with --debug. */
export function reportError(err: unknown, debug: boolean): number {
  const code = err instanceof KilnError ? err.exitCode : typeof (err as { exitCode?: unknown })?.exitCode === 'number' ? (err as { exitCode: number }).exitCode : 1;
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`kiln: ${message}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return code;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const debug = rest.includes('--debug');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`kiln: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    const mod = await command.load();
    return await mod.run(rest);
  } catch (err) {
    return reportError(err, debug);
  }
}
