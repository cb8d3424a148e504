#!/usr/bin/env node
// Builds the native addon when OpenBLAS and oneDNN are installed; otherwise
// prints one line and exits 0 (the package then reports isNativeAvailable()
// === false and callers fall back to wasm/cpu). Always exits 0.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { missing } = require('./find-libs.cjs');

const root = path.join(__dirname, '..');
const verbose = process.argv.includes('--verbose') || !!process.env.KILN_NATIVE_VERBOSE;
const HINT = 'Debian/Ubuntu: sudo apt-get install libopenblas-dev libdnnl-dev; ' +
  'macOS: brew install openblas onednn — then npm rebuild @kiln/backend-native. Using wasm meanwhile.';

function fail(reason) {
  console.log(`kiln: fast CPU backend not built (${reason}). ${HINT}`);
  process.exit(0);
}

function nodeGyp() {
  const candidates = [];
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js')); } catch { /* not a dependency */ }
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  candidates.push(path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  if (process.env.npm_execpath) {
    candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((c) => fs.existsSync(c));
}

/** Node headers next to the running node (offline builds), else node-gyp downloads them. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = path.join(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.KILN_NATIVE_SKIP_BUILD) fail('KILN_NATIVE_SKIP_BUILD is set');
  const libs = missing();
  if (libs.length) fail(`missing ${libs.join('/')}`);
  const gyp = nodeGyp();
  if (!gyp) fail('node-gyp not found');
  const jobs = String(Math.max(1, require('node:os').availableParallelism?.() ?? 2));
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '-j', jobs, ...nodedirArgs()], {
    cwd: root, stdio: verbose ? 'inherit' : 'pipe', env: process.env,
  });
  if (r.status !== 0) {
    if (!verbose && r.stderr) {
      fs.writeFileSync(path.join(root, 'build-error.log'), `${r.stdout}\n${r.stderr}`);
    }
    fail(`build failed${verbose ? '' : '; see build-error.log'}`);
  }
  const addon = path.join(root, 'build', 'Release', 'kiln_native.node');
  if (!fs.existsSync(addon)) fail('build produced no addon');
  if (verbose) console.log(`kiln: native backend built: ${addon}`);
}

try {
  main();
} catch (e) {
  fail(`install error: ${e && e.message ? e.message : e}`);
}
