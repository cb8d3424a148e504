#!/bin/sh
# Train a model: the spec's `sh train.sh 1,2` (GPU ids 1 and 2), over `kiln train`.
#   sh train.sh [GPU_IDS] [kiln train options…] [key=value overrides…]
#   sh train.sh 0,1 experiment=cifar10 trainer.maxEpochs=30
#   sh train.sh --gpus 0,1 --config outputs/latest/config.yaml
#   sh train.sh -m optimizer.lr=1e-3,3e-3          (a sweep, see README)
# Without GPU ids it trains on the CPU. The exit code is kiln's: 0 ok, 1 failure, 2 usage/config error.
set -u
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$ROOT/tools/kiln-cli.sh"
if [ $# -gt 0 ] && printf '%s' "$1" | grep -Eq '^[0-9]+(,[0-9]+)*$'; then
  GPUS=$1
  shift
  exec_kiln train "--gpus=$GPUS" "$@"
fi
exec_kiln train "$@"
