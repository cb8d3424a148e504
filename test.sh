#!/bin/sh
# Predict every row of a CSV and write a metrics report: the spec's `sh test.sh input.csv output.csv 0`.
#   sh test.sh INPUT_CSV OUTPUT_CSV [GPU_ID] [kiln test options…]
#   sh test.sh data/test.csv preds.csv 0 --ckpt=outputs/latest
# Reports go next to OUTPUT_CSV (.metrics.json, .report.md, .confusion.png). Exit code is kiln's.
set -u
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$ROOT/tools/kiln-cli.sh"
if [ $# -lt 2 ]; then
  echo "usage: sh test.sh INPUT_CSV OUTPUT_CSV [GPU_ID] [kiln test options…]" >&2
  exit 2
fi
INPUT=$1
OUTPUT=$2
shift 2
if [ $# -gt 0 ] && printf '%s' "$1" | grep -Eq '^[0-9]+$'; then
  GPU=$1
  shift
  exec_kiln test "--input=$INPUT" "--output=$OUTPUT" "--gpus=$GPU" "$@"
fi
exec_kiln test "--input=$INPUT" "--output=$OUTPUT" "$@"
