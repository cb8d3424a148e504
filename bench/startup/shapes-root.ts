import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@kiln/core';
import { defaultShapesRoot, ensureShapesDataset } from '@kiln/data';

const SPEC = { seed: 0, trainPerClass: 500, valPerClass: 100, testPerClass: 100 };

/** `--name=value` from argv, else `fallback`. */
export function option(name: string, fallback?: string): string | undefined {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The default config's shapes folder, generated (as `kiln train` would) when missing. */
export async function ensureShapesRoot(root = defaultShapesRoot(SPEC)): Promise<string> {
  if (!existsSync(join(root, 'val.csv'))) await ensureShapesDataset(root, SPEC, silentLogger);
  return root;
}

