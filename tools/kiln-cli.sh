# Sourced by train.sh / test.sh / predict.sh: runs the built CLI directly (not through nx, which
# turns every failure into exit 1), building it first when it is missing. Needs $ROOT.
KILN_MAIN="$ROOT/apps/cli/dist/main.js"
exec_kiln() {
  if [ ! -f "$KILN_MAIN" ]; then
    echo "kiln: building the CLI (first run)…" >&2
    (cd "$ROOT" && npx tsc -b apps/cli/tsconfig.lib.json) >&2 || { echo "kiln: build failed" >&2; exit 1; }
  fi
  exec "${NODE:-node}" "$KILN_MAIN" "$@"
}
