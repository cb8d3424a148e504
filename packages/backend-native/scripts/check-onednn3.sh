#!/usr/bin/env bash
# Syntax-compiles every addon source (src/*.cc) against a directory of
# oneDNN 3 headers, ahead of whatever oneDNN is installed system-wide, so the
# `#if DNNL_VERSION_MAJOR >= 3` branches get compiled on a machine that only
# has oneDNN 2. Nothing is linked or run.
#
# Usage: scripts/check-onednn3.sh DIR     (or KILN_ONEDNN3_INCLUDE=DIR)
#   DIR holds oneapi/dnnl/dnnl.hpp (e.g. /opt/homebrew/opt/onednn/include).
# Exits non-zero when the headers are not oneDNN 3 or any source fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
inc="${1:-${KILN_ONEDNN3_INCLUDE:-}}"
if [[ -z "$inc" ]]; then
  echo "usage: $0 DIR (or set KILN_ONEDNN3_INCLUDE): DIR/oneapi/dnnl/dnnl.hpp must exist" >&2
  exit 2
fi
inc="$(cd "$inc" && pwd)"
if [[ ! -f "$inc/oneapi/dnnl/dnnl.hpp" ]]; then
  echo "check-onednn3: $inc/oneapi/dnnl/dnnl.hpp not found" >&2
  exit 2
fi

cxx="${CXX:-g++}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The sources include <dnnl.hpp>; oneDNN 3 installs it as a compatibility
# header, but a bare header tree may only have oneapi/dnnl/dnnl.hpp.
shim=()
if [[ ! -f "$inc/dnnl.hpp" ]]; then
  printf '#include "oneapi/dnnl/dnnl.hpp"\n' > "$tmp/dnnl.hpp"
  shim=(-I"$tmp")
fi

# Probe: the headers found first must be oneDNN 3 and must be these ones.
cat > "$tmp/probe.cc" <<'PROBE'
#include <dnnl.hpp>
#if DNNL_VERSION_MAJOR < 3
#error "oneDNN headers found first are not version 3"
#endif
PROBE
if ! "$cxx" -std=c++17 -fsyntax-only -I"$inc" "${shim[@]}" "$tmp/probe.cc"; then
  echo "check-onednn3: $inc does not provide oneDNN 3 headers" >&2
  exit 1
fi
trace="$("$cxx" -std=c++17 -fsyntax-only -H -I"$inc" "${shim[@]}" "$tmp/probe.cc" 2>&1)"
used="$(printf '%s\n' "$trace" | sed -n 's/^\.* \(.*oneapi\/dnnl\/dnnl\.hpp\)$/\1/p' | head -n1)"
case "$used" in
  "$inc"/*) ;;
  *) echo "check-onednn3: compiler picked up $used instead of $inc" >&2; exit 1 ;;
esac
ver="$(printf '#include <oneapi/dnnl/dnnl_version.h>\nDNNL_VERSION_MAJOR.DNNL_VERSION_MINOR.DNNL_VERSION_PATCH\n' \
  | "$cxx" -E -P -I"$inc" -x c++ - | tail -n1 | tr -d ' ')"
echo "check-onednn3: oneDNN $ver headers from $inc"

napi="$(cd "$here" && node -p "require('node-addon-api').include_dir")"
napi="$(cd "$here" && cd "$napi" && pwd)"
nodeinc=""
for d in "${KILN_NODE_INCLUDE:-}" "$(dirname "$(dirname "$(command -v node)")")/include/node" \
         /usr/include/node /usr/local/include/node "$HOME"/.cache/node-gyp/"$(node -p process.versions.node)"/include/node; do
  if [[ -n "$d" && -f "$d/node_api.h" ]]; then nodeinc="$d"; break; fi
done
if [[ -z "$nodeinc" ]]; then
  echo "check-onednn3: node headers (node_api.h) not found; set KILN_NODE_INCLUDE" >&2
  exit 2
fi
# OpenBLAS's cblas.h (gemm.cc, addon.cc) may live outside the default paths.
extra=()
for d in $(cd "$here" && node scripts/find-libs.cjs include); do extra+=(-I"$d"); done

fail=0
for src in "$here"/src/*.cc; do
  if "$cxx" -std=c++17 -fopenmp -fexceptions -fsyntax-only -Wall -Wextra \
      -I"$inc" "${shim[@]}" -I"$napi" -I"$nodeinc" "${extra[@]}" \
      -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_ENABLE_TYPE_CHECK_ON_AS \
      "$src"; then
    echo "  ok   ${src#"$here"/}"
  else
    echo "  FAIL ${src#"$here"/}"
    fail=1
  fi
done
exit "$fail"
