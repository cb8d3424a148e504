#!/bin/sh
# Top-k classes of images as JSON on stdout (the spec's "predict with an image path").
#   sh predict.sh IMAGE [IMAGE|FOLDER|GLOB…] [kiln predict options…]
#   sh predict.sh cat.png --topk=3 --ckpt=outputs/latest --gpus=0
# Exit code is kiln's: 0 ok, 1 when an image could not be read, 2 usage error.
set -u
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$ROOT/tools/kiln-cli.sh"
if [ $# -lt 1 ]; then
  echo "usage: sh predict.sh IMAGE [IMAGE…] [kiln predict options…]" >&2
  exit 2
fi
# Leading arguments that are not options are images; the rest pass through. Each image is
# rotated from the front to the back of "$@" as --image=…, which keeps spaces in paths intact.
N=$#
I=0
IN_IMAGES=1
while [ "$I" -lt "$N" ]; do
  ARG=$1
  shift
  case "$ARG" in
    -*) IN_IMAGES=0; set -- "$@" "$ARG" ;;
    *) if [ "$IN_IMAGES" -eq 1 ]; then set -- "$@" "--image=$ARG"; else set -- "$@" "$ARG"; fi ;;
  esac
  I=$((I + 1))
done
exec_kiln predict "$@"
