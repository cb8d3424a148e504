#!/usr/bin/env bash
# One-step set-up: the system libraries Kiln's fast CPU backend and its MPI support
# (@kiln/mpi, multi-machine training) build on, where this machine lets us install them,
# then the locked npm dependencies.
set -euo pipefail
cd "$(dirname "$0")"

install_system_libs() {
  if [ "$(uname)" = "Darwin" ] && command -v brew >/dev/null 2>&1; then
    brew install openblas onednn || echo "kiln: brew install failed; continuing (Kiln falls back to wasm)"
    brew install open-mpi || echo "kiln: brew install open-mpi failed; continuing (no multi-machine training)"
    return
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "kiln: no apt-get/brew here; skipping system libraries (Kiln falls back to wasm)"; return; }
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
      echo "kiln: not root; for the fast CPU backend run: sudo apt-get install libopenblas-dev libdnnl-dev"
      echo "kiln: for multi-machine training (MPI) run: sudo apt-get install libopenmpi-dev openmpi-bin"; return
    fi
  fi
  local updated=""
  if ! dpkg -s libopenblas-dev libdnnl-dev >/dev/null 2>&1; then
    $sudo apt-get update -qq || true; updated=1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libopenblas-dev libdnnl-dev \
      || echo "kiln: apt-get install failed; continuing (Kiln falls back to wasm)"
  fi
  if ! dpkg -s libopenmpi-dev openmpi-bin >/dev/null 2>&1; then
    [ -n "$updated" ] || $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libopenmpi-dev openmpi-bin \
      || echo "kiln: apt-get install libopenmpi-dev openmpi-bin failed; continuing (no multi-machine training)"
  fi
}

install_system_libs
npm ci --no-audit --no-fund
# npm hides install-script output: say here whether the fast backend was built.
if [ ! -f packages/backend-native/build/Release/kiln_native.node ]; then
  echo "kiln: fast CPU backend not built (OpenBLAS/oneDNN missing); Kiln will use wasm. Debian/Ubuntu: sudo apt-get install libopenblas-dev libdnnl-dev; macOS: brew install openblas onednn — then npm rebuild @kiln/backend-native"
fi
if [ ! -f packages/mpi/build/Release/kiln_mpi.node ]; then
  echo "kiln: MPI support not built (no MPI found); multi-machine training is off. Debian/Ubuntu: sudo apt-get install libopenmpi-dev openmpi-bin; macOS: brew install open-mpi — then npm rebuild @kiln/mpi"
fi
