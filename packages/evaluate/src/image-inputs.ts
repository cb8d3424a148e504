import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { resolveUserPath, UsageError } from '@kiln/core';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.avif']);

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function walk(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (recursive) out.push(...walk(p, true));
    } else out.push(p);
  }
  return out;
}

/**
 * Expands `--image` values: files as given, folders to the images inside them, and globs
 * (`dir/*.png`, `dir/**\/*.jpg`) matched in their folder. A pattern that matches nothing
 * is a usage error naming it.
 */
export function expandImageInputs(values: string[]): string[] {
  const files: string[] = [];
  for (const value of values) {
    const abs = resolveUserPath(value);
    if (/[*?]/.test(value)) {
      const recursive = abs.includes('**');
      const dir = abs.slice(0, abs.search(/[*?]/)).replace(/[^/]*$/, '') || '.';
      const re = globToRegExp(recursive ? basename(abs) : abs);
      const found = existsSync(dir) ? walk(dir, recursive).filter((f) => re.test(recursive ? basename(f) : f)) : [];
      if (!found.length) throw new UsageError(`--image '${value}': no file matches`);
      files.push(...found);
    } else if (existsSync(abs) && statSync(abs).isDirectory()) {
      const found = walk(abs, false).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()));
      if (!found.length) throw new UsageError(`--image '${value}': folder holds no images`);
      files.push(...found);
    } else {
      if (!existsSync(dirname(abs))) throw new UsageError(`--image '${value}': folder does not exist`);
      files.push(abs);
    }
  }
  return files;
}
