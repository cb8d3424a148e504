import { isAbsolute, relative, resolve } from 'node:path';

/**
 * Resolves a path cell against the image root. Absolute paths and paths that leave the
 * root (`../`) are refused unless `allowOutsideRoot`, so a CSV cannot point the loader
 * at arbitrary files. Returns the absolute path or the reason it was refused.
 */
export function resolveImagePath(
  cell: string,
  root: string,
  allowOutsideRoot: boolean,
): { path: string } | { reason: string } {
  if (isAbsolute(cell)) {
    return allowOutsideRoot ? { path: resolve(cell) } : { reason: 'absolute path not allowed (set allowOutsideRoot: true)' };
  }
  const path = resolve(root, cell);
  const rel = relative(root, path);
  if (!allowOutsideRoot && (rel === '..' || rel.startsWith('../') || rel.startsWith('..\\') || isAbsolute(rel))) {
    return { reason: `path escapes the image root ${root} (set allowOutsideRoot: true)` };
  }
  return { path };
}
