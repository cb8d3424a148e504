import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveUserPath, UsageError } from '@kiln/core';
import { CLASSES_FILE, loadClasses } from '@kiln/data';

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

/** The run folder a checkpoint file belongs to (`<run>/checkpoints/x.ckpt`). */
export function runDirOf(ckpt: string): string {
  return dirname(dirname(ckpt));
}

/**
 * `--ckpt` as a file or a run folder (its best, else last checkpoint); without it the newest
 * run under `outputs/` (`outputs/latest`). Missing → a usage error saying what to do.
 */
export function resolveCheckpoint(ckpt: string | undefined, runsRoot = 'outputs'): string {
  const dir = ckpt ? resolveUserPath(ckpt) : join(resolveUserPath(runsRoot), 'latest');
  if (ckpt && isFile(dir)) return dir;
  for (const name of ['best.ckpt', 'last.ckpt']) {
    const candidate = join(dir, 'checkpoints', name);
    if (isFile(candidate)) return candidate;
  }
  if (ckpt) throw new UsageError(`--ckpt '${ckpt}': no checkpoint there (give a .ckpt file or a run folder with checkpoints/)`);
  throw new UsageError(`no checkpoint found under ${dir} — train first (npx nx run cli:train) or pass --ckpt=RUN_DIR|FILE`);
}

/** Refuses a checkpoint whose classes disagree with its run's classes.json (a mixed-up run folder). */
export function checkClassesMatch(ckpt: string, classes: string[]): void {
  const saved = loadClasses(runDirOf(ckpt));
  if (saved && JSON.stringify(saved) !== JSON.stringify(classes)) {
    const file = join(runDirOf(ckpt), CLASSES_FILE);
    throw new UsageError(
      `checkpoint ${ckpt} has classes [${classes.join(', ')}] but ${file} says [${saved.join(', ')}]; pass the matching --ckpt`,
    );
  }
}
