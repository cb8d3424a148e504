#!/usr/bin/env node
// Builds the MPI addon when an MPI installation is found (see find-mpi.cjs); otherwise
// prints one line and exits 0 (isMpiAvailable() is then false and Kiln keeps its local
// multi-process path). Always exits 0.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { locate } = require('./find-mpi.cjs');

const root = path.join(__dirname, '..');
const verbose = process.argv.includes('--verbose') || !!process.env.KILN_MPI_VERBOSE;
const HINT = 'Debian/Ubuntu: sudo apt-get install libopenmpi-dev openmpi-bin; macOS: brew install open-mpi — ' +
  'then npm rebuild @kiln/mpi. Multi-machine training is off meanwhile.';

function fail(reason) {
  console.log(`kiln: MPI support not built (${reason}). ${HINT}`);
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
  if (process.env.KILN_MPI_SKIP_BUILD) fail('KILN_MPI_SKIP_BUILD is set');
  const found = locate();
  if (!found) fail('no MPI found: neither mpicxx/mpicc nor pkg-config ompi/mpich');
  const gyp = nodeGyp();
  if (!gyp) fail('node-gyp not found');
  const r = spawnSync(process.execPath, [gyp, 'rebuild', ...nodedirArgs()], {
    cwd: root, stdio: verbose ? 'inherit' : 'pipe', env: process.env,
  });
  if (r.status !== 0) {
    if (!verbose && r.stderr) fs.writeFileSync(path.join(root, 'build-error.log'), `${r.stdout}\n${r.stderr}`);
    fail(`build failed${verbose ? '' : '; see packages/mpi/build-error.log'}`);
  }
  const addon = path.join(root, 'build', 'Release', 'kiln_mpi.node');
  if (!fs.existsSync(addon)) fail('build produced no addon');
  if (verbose) console.log(`kiln: MPI addon built with ${found.source}: ${addon}`);
}

try {
  main();
} catch (e) {
  fail(`install error: ${e && e.message ? e.message : e}`);
}
