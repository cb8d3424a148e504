import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, UsageError } from '@kiln/core';
import { optionString, parseOrHelp, type CommandSpec } from '../args';
import { resolveUserPath } from '../paths';
import { FASHION_MNIST_CLASSES, importCifar10, importIdx, packShards } from '@kiln/data';

export const spec: CommandSpec = {
  name: 'dataset',
  summary: 'import a public dataset into PNG files + train.csv/test.csv, or pack a CSV into WebDataset shards',
  usage: 'kiln dataset import <mnist|fashion-mnist|cifar10> --src=DIR --out=DIR | kiln dataset pack --csv=train.csv --out=DIR [--shard-size=10000]',
  valueOptions: {
    src: 'folder with the original files (idx .gz/raw, or CIFAR-10 data_batch_*.bin)',
    out: 'destination folder (import: PNG files + train.csv + test.csv; pack: .tar shards + classes.json)',
    csv: 'pack: the path,label CSV to pack',
    'shard-size': 'pack: samples per .tar shard (default 10000)',
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
  if (verb === 'pack') return pack(args);
  if (verb !== 'import') throw new UsageError(`dataset: expected 'import' or 'pack', got '${verb ?? ''}'. ${spec.usage}`);
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

/** `kiln dataset pack`: a CSV's images and labels as WebDataset `.tar` shards. */
async function pack(args: Parameters<typeof optionString>[0]): Promise<number> {
  const csv = optionString(args, 'csv');
  const out = optionString(args, 'out');
  if (!csv || !out) throw new UsageError(`dataset pack: --csv and --out are required. ${spec.usage}`);
  const sizeOpt = optionString(args, 'shard-size');
  const shardSize = sizeOpt === undefined ? 10_000 : Number(sizeOpt);
  if (!Number.isInteger(shardSize) || shardSize <= 0) throw new UsageError(`dataset pack: --shard-size must be a positive integer (got '${sizeOpt}')`);
  const r = await packShards({ csv: resolveUserPath(csv), out: resolveUserPath(out), shardSize, logger: new Logger() });
  process.stdout.write(`packed ${r.samples} samples into ${r.shards.length} shard(s)${r.skipped ? ` (${r.skipped} skipped)` : ''}; train on them with: data=webdataset data.trainShards=${r.pattern}\n`);
  return 0;
}
