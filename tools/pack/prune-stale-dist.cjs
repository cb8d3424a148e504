#!/usr/bin/env node
// Deletes compiled files in a package's dist/ whose TypeScript source no longer exists (a file
// moved or removed: `tsc -b` never deletes old outputs), so `npm pack` cannot ship them. Run from
// a package folder (its `prepack` does) or with package folders as arguments. Plain CommonJS so a
// prepack runs it with `node` alone.
'use strict';
const { existsSync, readdirSync, rmdirSync, unlinkSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const OUTPUT = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;

/** Returns the removed files (relative to the package folder). Assumes outDir `dist`, rootDir `src`. */
function pruneStaleDist(pkgDir) {
  const dist = join(pkgDir, 'dist');
  const src = join(pkgDir, 'src');
  const removed = [];
  if (!existsSync(dist) || !existsSync(src)) return removed;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        if (readdirSync(path).length === 0) rmdirSync(path);
        continue;
      }
      const m = OUTPUT.exec(entry.name);
      if (!m) continue;
      const base = join(src, relative(dist, path).slice(0, -m[1].length));
      if (!['.ts', '.tsx', '.mts', '.cts'].some((ext) => existsSync(base + ext))) {
        unlinkSync(path);
        removed.push(relative(pkgDir, path));
      }
    }
  };
  walk(dist);
  return removed;
}

module.exports = { pruneStaleDist };

if (require.main === module) {
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : [process.cwd()];
  for (const dir of dirs) {
    const removed = pruneStaleDist(resolve(dir));
    if (removed.length) console.error(`pruned ${removed.length} stale file(s) from ${relative(process.cwd(), resolve(dir, 'dist')) || 'dist'}: ${removed.join(', ')}`);
  }
}
