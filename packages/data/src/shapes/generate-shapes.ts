import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DataError, Rng, silentLogger, type Logger } from '@kiln/core';
import { mapLimited } from '../loader/limiter';
import { SHAPE_CLASSES, renderShape } from './rasterize';

export const SHAPES_VERSION = 'shapes-v2';
export const SHAPES_IMAGE_SIZE = 32;

export interface ShapesSpec {
  seed: number;
  trainPerClass: number;
  valPerClass: number;
  testPerClass: number;
}

export interface ShapesManifest extends ShapesSpec {
  version: string;
  classes: string[];
  imageSize: number;
  counts: Record<'train' | 'val' | 'test', number>;
  /** sha256 over every file's path and bytes, in order: equal hashes = identical datasets. */
  contentHash: string;
  /** `shuffled`: CSV rows in a seeded random order (older datasets listed them by class). */
  csvOrder?: 'shuffled';
}

/** `$KILN_CACHE_DIR` (default `~/.cache/kiln`) + `/datasets/shapes-v2-<seed>-<train>-<val>-<test>`. */
export function defaultShapesRoot(spec: ShapesSpec): string {
  const cache = process.env.KILN_CACHE_DIR ?? join(homedir(), '.cache', 'kiln');
  return join(cache, 'datasets', `${SHAPES_VERSION}-${spec.seed}-${spec.trainPerClass}-${spec.valPerClass}-${spec.testPerClass}`);
}

const SPLITS = ['train', 'val', 'test'] as const;

/**
 * Makes sure the shapes dataset exists at `root`, generating it if not. Generation writes to a
 * temp sibling folder and renames it into place when complete, so a crash never leaves a
 * half dataset and two runs generating at once both end up with one intact copy.
 */
export async function ensureShapesDataset(
  root: string,
  spec: ShapesSpec,
  logger: Logger = silentLogger,
): Promise<ShapesManifest> {
  const existing = readManifest(root);
  if (existing) {
    checkSpec(existing, spec, root);
    return existing.csvOrder === 'shuffled' ? existing : upgradeCsvOrder(root, existing, logger);
  }
  const started = Date.now();
  // not Math.random: after seedEverything that is the run's stream, and a draw here would make the
  // first run (the one that generates) train differently from every later one
  const tmp = `${root}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const manifest = await generateShapes(tmp, spec);
    try {
      await rename(tmp, root);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM') throw err;
      // Another process finished first: use its copy.
      const theirs = readManifest(root);
      if (!theirs) throw err;
      return theirs;
    }
    const total = manifest.counts.train + manifest.counts.val + manifest.counts.test;
    logger.info(`generated the shapes dataset (${total} images) in ${root} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return manifest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Generates the dataset into `dir` (which must not exist yet or be empty): PNGs, CSVs, manifest.json. */
export async function generateShapes(dir: string, spec: ShapesSpec): Promise<ShapesManifest> {
  const jobs = shapesJobs(spec);
  for (const split of SPLITS) for (const cls of SHAPE_CLASSES) await mkdir(join(dir, split, cls), { recursive: true });
  const size = SHAPES_IMAGE_SIZE;
  // Loaded here, not at the top: only generating the set writes PNGs; every other run skips libvips' load.
  const { default: sharp } = await import('sharp');
  const digests = await mapLimited(jobs, 8, async (job) => {
    const pixels = renderShape(job.cls as (typeof SHAPE_CLASSES)[number], new Rng(spec.seed, SHAPES_VERSION, job.split, job.cls, job.n), size);
    const png = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
      .png({ compressionLevel: 6, adaptiveFiltering: false })
      .toBuffer();
    await writeFile(join(dir, job.rel), png);
    return createHash('sha256').update(png).digest('hex');
  });
  const hash = createHash('sha256');
  jobs.forEach((job, i) => hash.update(`${job.rel}\0${digests[i]}\n`));
  for (const split of SPLITS) {
    const csv = shapesCsv(jobs, split, spec.seed);
    hash.update(csv);
    await writeFile(join(dir, `${split}.csv`), csv);
  }
  const manifest: ShapesManifest = {
    version: SHAPES_VERSION,
    ...spec,
    classes: [...SHAPE_CLASSES],
    imageSize: size,
    counts: {
      train: spec.trainPerClass * SHAPE_CLASSES.length,
      val: spec.valPerClass * SHAPE_CLASSES.length,
      test: spec.testPerClass * SHAPE_CLASSES.length,
    },
    contentHash: hash.digest('hex'),
    csvOrder: 'shuffled',
  };
  // Written last: its presence marks a complete dataset.
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/**
 * A split's CSV, rows in a seeded random order: a loader that reads only its first batches
 * (fast dev run, `limitValBatches`) still sees every class.
 */
function shapesCsv(jobs: Array<{ split: string; cls: string; rel: string }>, split: string, seed: number): string {
  const rows = jobs.filter((j) => j.split === split).map((j) => `${j.rel},${j.cls}`);
  return `path,label\n${new Rng(seed, 'shapes-csv-order', split).shuffle(rows).join('\n')}\n`;
}

function shapesJobs(spec: ShapesSpec): Array<{ split: (typeof SPLITS)[number]; cls: string; n: number; rel: string }> {
  const perClass = { train: spec.trainPerClass, val: spec.valPerClass, test: spec.testPerClass };
  return SPLITS.flatMap((split) =>
    SHAPE_CLASSES.flatMap((cls) =>
      Array.from({ length: perClass[split] }, (_, n) => ({ split, cls, n, rel: `${split}/${cls}/${String(n).padStart(5, '0')}.png` })),
    ),
  );
}

/** A dataset generated before CSVs were shuffled: rewrite its CSVs (atomically) and manifest; the images stay. */
async function upgradeCsvOrder(root: string, old: ShapesManifest, logger: Logger): Promise<ShapesManifest> {
  const jobs = shapesJobs(old);
  const hash = createHash('sha256');
  for (const job of jobs) hash.update(`${job.rel}\0${createHash('sha256').update(readFileSync(join(root, job.rel))).digest('hex')}\n`);
  const suffix = `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  for (const split of SPLITS) {
    const csv = shapesCsv(jobs, split, old.seed);
    hash.update(csv);
    await writeFile(join(root, `${split}.csv${suffix}`), csv);
    await rename(join(root, `${split}.csv${suffix}`), join(root, `${split}.csv`));
  }
  const manifest: ShapesManifest = { ...old, contentHash: hash.digest('hex'), csvOrder: 'shuffled' };
  await writeFile(join(root, `manifest.json${suffix}`), JSON.stringify(manifest, null, 2) + '\n');
  await rename(join(root, `manifest.json${suffix}`), join(root, 'manifest.json'));
  logger.info(`shapes dataset ${root}: CSV rows shuffled (seeded); images unchanged`);
  return manifest;
}

function readManifest(root: string): ShapesManifest | undefined {
  const path = join(root, 'manifest.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ShapesManifest;
  } catch (err) {
    throw new DataError(`${path} is corrupt (${(err as Error).message}); delete ${root} to regenerate`, { cause: err });
  }
}

function checkSpec(m: ShapesManifest, spec: ShapesSpec, root: string): void {
  const keys = ['seed', 'trainPerClass', 'valPerClass', 'testPerClass'] as const;
  const diff = keys.filter((k) => m[k] !== spec[k]);
  if (m.version !== SHAPES_VERSION || diff.length) {
    throw new DataError(
      `${root} holds a different shapes dataset (${diff.map((k) => `${k} ${m[k]} ≠ ${spec[k]}`).join(', ') || m.version}); ` +
        'choose another root or delete it',
    );
  }
}
