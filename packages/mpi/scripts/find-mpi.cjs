#!/usr/bin/env node
// Locates an MPI installation: the compiler wrapper's own flags first (OpenMPI
// `mpicxx --showme:compile|link`, MPICH `mpicxx -compile-info|-link-info`), then
// pkg-config (`ompi-cxx`, `ompi`, `mpich`). CLI: `node find-mpi.cjs cflags|libs|describe`.
// Env override: KILN_MPICXX (wrapper to ask), KILN_MPI_CFLAGS + KILN_MPI_LIBS (skip detection).
'use strict';
const { execFileSync } = require('node:child_process');

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10000 }).toString().trim();
  } catch {
    return undefined;
  }
}

/** Drops the compiler name an MPICH-style `-compile-info` prints first. */
const flagsOnly = (line) => line.split(/\s+/).filter((f) => f.startsWith('-'));

function fromWrapper(wrapper) {
  const ompiC = run(wrapper, ['--showme:compile']);
  const ompiL = run(wrapper, ['--showme:link']);
  if (ompiC !== undefined && ompiL !== undefined) return { source: `${wrapper} --showme`, cflags: flagsOnly(ompiC), libs: flagsOnly(ompiL) };
  const mpichC = run(wrapper, ['-compile-info']);
  const mpichL = run(wrapper, ['-link-info']);
  if (mpichC !== undefined && mpichL !== undefined) {
    return { source: `${wrapper} -compile-info`, cflags: flagsOnly(mpichC).filter((f) => /^-[ID]/.test(f)), libs: flagsOnly(mpichL).filter((f) => /^-(L|l|Wl)/.test(f)) };
  }
  return undefined;
}

function fromPkgConfig() {
  for (const name of ['ompi-cxx', 'ompi', 'mpich', 'mpi']) {
    const cflags = run('pkg-config', ['--cflags', name]);
    const libs = run('pkg-config', ['--libs', name]);
    if (cflags !== undefined && libs !== undefined) return { source: `pkg-config ${name}`, cflags: flagsOnly(cflags), libs: flagsOnly(libs) };
  }
  return undefined;
}

/** `{ source, cflags, libs }`, or undefined when no MPI is installed. */
function locate(env = process.env) {
  if (env.KILN_MPI_CFLAGS !== undefined && env.KILN_MPI_LIBS !== undefined) {
    return { source: 'KILN_MPI_CFLAGS/KILN_MPI_LIBS', cflags: flagsOnly(env.KILN_MPI_CFLAGS), libs: flagsOnly(env.KILN_MPI_LIBS) };
  }
  const wrappers = env.KILN_MPICXX ? [env.KILN_MPICXX] : ['mpicxx', 'mpic++', 'mpiCC', 'mpicc'];
  for (const w of wrappers) {
    const found = fromWrapper(w);
    if (found) return found;
  }
  return fromPkgConfig();
}

/** gyp-ready flags; -L dirs also become rpaths so the addon finds libmpi without LD_LIBRARY_PATH. */
function flags(kind, found = locate()) {
  if (!found) return [];
  if (kind === 'cflags') return found.cflags.filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
  const out = [];
  // Only MPI's C API is used: its deprecated C++ bindings library is not needed.
  for (const f of found.libs.filter((l) => l !== '-lmpi_cxx' && l !== '-lmpicxx')) {
    out.push(f);
    if (f.startsWith('-L') && !/^-L\/(usr\/)?lib(64)?(\/[a-z0-9_]+-linux-gnu)?\/?$/.test(f)) out.push(`-Wl,-rpath,${f.slice(2)}`);
  }
  return out;
}

module.exports = { locate, flags };

if (require.main === module) {
  const kind = process.argv[2];
  if (kind === 'describe') {
    const found = locate();
    process.stdout.write(found ? `${found.source}: ${found.cflags.join(' ')} ${found.libs.join(' ')}\n` : 'no MPI found\n');
  } else {
    process.stdout.write(flags(kind === 'libs' ? 'libs' : 'cflags').join(' ') + '\n');
  }
}
