import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@kiln/core';
import { optionString, parseOrHelp, type CommandSpec } from '../args';
import { resolveUserPath } from '../paths';
import { FASHION_MNIST_CLASSES, importCifar10, importIdx } from '@kiln/data';

export const spec: CommandSpec = {
  name: 'dataset',
  summary: 'import a public dataset into PNG files + train.csv/test.csv',
  usage: 'kiln dataset import <mnist|fashion-mnist|cifar10> --src=DIR --out=DIR',
  valueOptions: {
    src: 'folder with the original files (idx .gz/raw, or CIFAR-10 data_batch_*.bin)',
    out: 'destination folder (PNG files + train.csv + test.csv)',
  },
  flags: {},
  positionals: true,
};

const FORMATS = ['mnist', 'fashion-mnist', 'cifar10'] as const;

/** The idx file pair of a split, `.gz` or raw. */
function idxPair(src: string, prefix: 'train' | 't10k'): { images: string; labels: string } {
  const pick = (stem: string) => {
    for (const name of [`${stem}.gz`, stem]) if (existsSync(join(src, name))) return join(src, name);
    throw new UsageError(`dataset import: '${stem}(.gz)' not found in ${src}`);
  };
  return { images: pick(`${prefix}-images-idx3-ubyte`), labels: pick(`${prefix}-labels-idx1-ubyte`) };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const [verb, format] = args.positionals;
  if (verb !== 'import') throw new UsageError(`dataset: expected 'import', got '${verb ?? ''}'. ${spec.usage}`);
  if (!FORMATS.includes(format as (typeof FORMATS)[number])) {
    throw new UsageError(`dataset import: format must be one of ${FORMATS.join(', ')} (got '${format ?? ''}')`);
  }
  const srcOpt = optionString(args, 'src');
  const outOpt = optionString(args, 'out');
  if (!srcOpt || !outOpt) throw new UsageError(`dataset import: --src and --out are required. ${spec.usage}`);
  const src = resolveUserPath(srcOpt);
  const out = resolveUserPath(outOpt);
  if (!existsSync(src)) throw new UsageError(`dataset import: --src '${src}' does not exist`);
  if (format === 'cifar10') {
    const r = await importCifar10({ batchesDir: src, outDir: out });
    process.stdout.write(`imported CIFAR-10 into ${out}: ${JSON.stringify(r)}\n`);
    return 0;
  }
  const classes = format === 'fashion-mnist' ? [...FASHION_MNIST_CLASSES] : undefined;
  for (const [split, prefix] of [['train', 'train'], ['test', 't10k']] as const) {
    const files = idxPair(src, prefix);
    const r = await importIdx({ ...files, outDir: out, split, classes });
    process.stdout.write(`imported ${format} ${split} into ${out}: ${JSON.stringify(r)}\n`);
  }
  return 0;
}
