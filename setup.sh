#!/usr/bin/env bash
# One-step set-up: the system libraries Kiln's fast CPU backend builds on (where this
# machine lets us install them), then the locked npm dependencies.
set -euo pipefail
cd "$(dirname "$0")"

install_system_libs() {
  if [ "$(uname)" = "Darwin" ] && command -v brew >/dev/null 2>&1; then
    brew install openblas onednn || echo "kiln: brew install failed; continuing (Kiln falls back to wasm)"
    return
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "kiln: no apt-get/brew here; skipping system libraries (Kiln falls back to wasm)"; return; }
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
      echo "kiln: not root; for the fast CPU backend run: sudo apt-get install libopenblas-dev libdnnl-dev"; return
    fi
  fi
  if dpkg -s libopenblas-dev libdnnl-dev >/dev/null 2>&1; then return; fi
  $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libopenblas-dev libdnnl-dev \
    || echo "kiln: apt-get install failed; continuing (Kiln falls back to wasm)"
}

install_system_libs
npm ci --no-audit --no-fund
# npm hides install-script output: say here whether the fast backend was built.
if [ ! -f packages/backend-native/build/Release/kiln_native.node ]; then
  echo "kiln: fast CPU backend not built (OpenBLAS/oneDNN missing); Kiln will use wasm. Debian/Ubuntu: sudo apt-get install libopenblas-dev libdnnl-dev; macOS: brew install openblas onednn — then npm rebuild @kiln/backend-native"
fi
