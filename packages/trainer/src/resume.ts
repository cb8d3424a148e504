import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, resolveUserPath } from '@kiln/core';

const LAST = join('checkpoints', 'last.ckpt');

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Every `<dir>/checkpoints/last.ckpt` under `root` (a few levels deep: outputs/<date>/<time>/…). */
function findLastCheckpoints(root: string, depth = 4): string[] {
  const found: string[] = [];
  const walk = (dir: string, left: number) => {
    if (isFile(join(dir, LAST))) found.push(join(dir, LAST));
    if (left === 0) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === 'checkpoints' || name === 'latest' || name.startsWith('.')) continue;
      const sub = join(dir, name);
      try {
        if (statSync(sub).isDirectory()) walk(sub, left - 1);
      } catch {
        /* vanished while scanning */
      }
    }
  };
  walk(root, depth);
  return found;
}

/**
 * Resolves `trainer.resume`: `auto` → `<runsRoot>/latest/checkpoints/last.ckpt` if it exists,
 * else the newest `last.ckpt` under `runsRoot` (undefined when there is none); a run
 * directory → its `checkpoints/last.ckpt`; a file → itself. A named path that does not
 * exist is a ConfigError.
 */
export function findResumeCheckpoint(resume: string | null | undefined, runsRootPath = 'outputs'): string | undefined {
  if (resume === null || resume === undefined || resume === '') return undefined;
  // Relative paths follow Kiln's one rule: against the folder the command ran from.
  const runsRoot = resolveUserPath(runsRootPath);
  if (resume === 'auto') {
    const latest = join(runsRoot, 'latest', LAST);
    if (isFile(latest)) return resolve(latest);
    const all = findLastCheckpoints(runsRoot).map((p) => ({ p, t: statSync(p).mtimeMs }));
    all.sort((a, b) => b.t - a.t || b.p.localeCompare(a.p));
    return all[0] ? resolve(all[0].p) : undefined;
  }
  const named = resolveUserPath(resume);
  for (const candidate of [named, join(named, LAST), join(named, 'last.ckpt')]) {
    if (isFile(candidate)) return resolve(candidate);
  }
  throw new ConfigError(
    `trainer.resume: no checkpoint at '${resume}' (give a .ckpt file, a run directory with checkpoints/last.ckpt, or 'auto')`,
    { path: 'trainer.resume', key: 'resume' },
  );
}
