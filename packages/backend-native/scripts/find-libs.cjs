#!/usr/bin/env node
// Locates OpenBLAS (cblas.h, libopenblas) and oneDNN (dnnl.hpp, libdnnl).
// CLI: `node find-libs.cjs include|libs` prints gyp-ready flags.
// Env overrides: KILN_OPENBLAS_PREFIX, KILN_DNNL_PREFIX.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execSync } = require('node:child_process');

function multiarch() {
  try {
    return execSync('gcc -print-multiarch', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString().trim();
  } catch {
    return `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  }
}

function prefixes(envVar, brewName) {
  const out = [];
  if (process.env[envVar]) out.push(process.env[envVar]);
  out.push('/usr', '/usr/local', `/opt/homebrew/opt/${brewName}`,
    `/usr/local/opt/${brewName}`, '/opt/homebrew', '/opt/local');
  return out;
}

function findFile(dirs, names) {
  for (const d of dirs) {
    for (const n of names) {
      const p = path.join(d, n);
      if (fs.existsSync(p)) return { dir: d, file: p };
    }
  }
  return null;
}

function locate() {
  const ma = multiarch();
  const libExt = process.platform === 'darwin' ? 'dylib' : 'so';
  const incDirs = (pfx) => pfx.flatMap((p) => [
    path.join(p, 'include'), path.join(p, 'include', ma),
    path.join(p, 'include', 'openblas'), path.join(p, 'include', ma, 'openblas-pthread'),
  ]);
  const libDirs = (pfx) => pfx.flatMap((p) => [path.join(p, 'lib'), path.join(p, 'lib', ma), path.join(p, 'lib64')]);
  const ob = prefixes('KILN_OPENBLAS_PREFIX', 'openblas');
  const dn = prefixes('KILN_DNNL_PREFIX', 'onednn');
  return {
    cblas: findFile(incDirs(ob), ['cblas.h']),
    openblas: findFile(libDirs(ob), [`libopenblas.${libExt}`]),
    dnnlHeader: findFile(incDirs(dn), ['dnnl.hpp', 'oneapi/dnnl/dnnl.hpp']),
    dnnl: findFile(libDirs(dn), [`libdnnl.${libExt}`]),
  };
}

function missing(found = locate()) {
  const m = [];
  if (!found.cblas || !found.openblas) m.push('OpenBLAS');
  if (!found.dnnlHeader || !found.dnnl) m.push('oneDNN');
  return m;
}

function flags(kind, found = locate()) {
  const ma = multiarch();
  const sysInc = new Set(['/usr/include', `/usr/include/${ma}`]);
  const sysLib = new Set(['/usr/lib', `/usr/lib/${ma}`, '/lib', `/lib/${ma}`]);
  if (kind === 'include') {
    return [...new Set([found.cblas?.dir, found.dnnlHeader?.dir]
      .filter((d) => d && !sysInc.has(d)))];
  }
  const libs = [];
  for (const [lib, name] of [[found.openblas, 'openblas'], [found.dnnl, 'dnnl']]) {
    if (lib && !sysLib.has(lib.dir)) libs.push(`-L${lib.dir}`, `-Wl,-rpath,${lib.dir}`);
    libs.push(`-l${name}`);
  }
  return libs;
}

module.exports = { locate, missing, flags };

if (require.main === module) {
  const kind = process.argv[2] === 'libs' ? 'libs' : 'include';
  process.stdout.write(flags(kind).join(' ') + '\n');
}
