#!/usr/bin/env bash
# Parity check: Kiln's `experiment=fashion_mnist` recipe and its PyTorch twin (torch_fmnist.py) train the
# same architecture with the same optimizer, LR schedule, batch size, epochs and data order on the same
# Fashion-MNIST subset; prints both test accuracies, the difference in points, both wall times and the ratio.
# Exit 1 when the mean accuracies differ by more than TOLERANCE points.
#
#   bash bench/parity/run.sh                      # 10k train / 10k test, 10 epochs, seeds 1 2 3
#   SEEDS=42 EPOCHS=5 bash bench/parity/run.sh    # quicker
#
# Environment: FMNIST_SRC (idx files, default Debian's /usr/share/datasets/fashion-mnist), PARITY_DIR
# (work folder, default /tmp/kiln-parity; the import is reused when present), TRAIN_ROWS, TEST_ROWS,
# EPOCHS, SEEDS, TOLERANCE, PYTHON (a python3 with torch; default /usr/bin/python3), THREADS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FMNIST_SRC="${FMNIST_SRC:-/usr/share/datasets/fashion-mnist}"
PARITY_DIR="${PARITY_DIR:-/tmp/kiln-parity}"
TRAIN_ROWS="${TRAIN_ROWS:-10000}"
TEST_ROWS="${TEST_ROWS:-10000}"
EPOCHS="${EPOCHS:-10}"
SEEDS="${SEEDS:-1 2 3}"
TOLERANCE="${TOLERANCE:-1.0}"
PYTHON="${PYTHON:-/usr/bin/python3}"
THREADS="${THREADS:-2}"
DATA="$PARITY_DIR/fashion-mnist"
KILN=(node "$ROOT/apps/cli/dist/main.js")
# Same thread settings for both: OpenBLAS single-threaded (each framework runs its own 2 threads),
# and no OpenMP spin-waiting (it steals the other thread's core on a 2-core box).
export OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive

now() { date +%s.%N; }
log() { printf '[parity] %s\n' "$*" >&2; }

"$PYTHON" -c 'import torch' 2>/dev/null || { echo "parity: $PYTHON has no torch (apt-get install python3-torch, or set PYTHON)" >&2; exit 2; }
[ -f "$ROOT/apps/cli/dist/main.js" ] || { log "building the CLI"; (cd "$ROOT" && npx tsc -b tsconfig.build.json); }
mkdir -p "$PARITY_DIR"
cd "$PARITY_DIR"

if [ ! -f "$DATA/train.csv" ] || [ ! -f "$DATA/test.csv" ]; then
  log "importing Fashion-MNIST from $FMNIST_SRC into $DATA"
  "${KILN[@]}" dataset import fashion-mnist --src="$FMNIST_SRC" --out="$DATA" >&2
fi
"$PYTHON" "$ROOT/bench/parity/make_subset.py" --idx "$FMNIST_SRC" --csv "$DATA" --train "$TRAIN_ROWS" --test "$TEST_ROWS" >&2

RESULTS="$PARITY_DIR/results.tsv"
printf 'seed\tkiln_acc\ttorch_acc\tkiln_wall_s\ttorch_wall_s\tkiln_fit_s\ttorch_fit_s\n' > "$RESULTS"
for seed in $SEEDS; do
  log "seed $seed: Kiln training ($EPOCHS epochs)"
  t0=$(now)
  "${KILN[@]}" train experiment=fashion_mnist seed="$seed" run.root="$PARITY_DIR/outputs" \
    data.trainCsv="$DATA/parity-train.csv" data.valSplit=null data.testCsv=null \
    data.shuffle=false '~data.augmentation' trainer.maxEpochs="$EPOCHS" \
    callbacks.model_checkpoint.saveTopK=0 '~callbacks.progress_bar' > "$PARITY_DIR/kiln-$seed.log" 2>&1 \
    || { tail -20 "$PARITY_DIR/kiln-$seed.log" >&2; exit 1; }
  kiln_wall=$(echo "$(now) - $t0" | bc)
  run_dir=$(sed -n 's/.*run directory: //p' "$PARITY_DIR/kiln-$seed.log" | head -1)
  # The training loop alone: from the "train: … batches/epoch" line to the last epoch's summary (1 s log resolution).
  kiln_fit=$("$PYTHON" - "$PARITY_DIR/kiln-$seed.log" <<'EOF'
import re, sys
from datetime import datetime
stamps = [(datetime.strptime(l[:19], "%Y-%m-%d %H:%M:%S"), l) for l in open(sys.argv[1]) if re.match(r"\d{4}-\d\d-\d\d ", l)]
start = next(t for t, l in stamps if " train: " in l and "batches/epoch" in l)
end = [t for t, l in stamps if re.search(r"INFO  epoch \d+ train:", l)][-1]
print((end - start).total_seconds())
EOF
)
  "${KILN[@]}" test --input="$DATA/parity-test.csv" --output="$PARITY_DIR/kiln-$seed-test.csv" \
    --ckpt="$run_dir/checkpoints/last.ckpt" > "$PARITY_DIR/kiln-$seed-test.log" 2>&1 \
    || { tail -20 "$PARITY_DIR/kiln-$seed-test.log" >&2; exit 1; }
  kiln_acc=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"]["accuracy"])' "$PARITY_DIR/kiln-$seed-test.metrics.json")

  log "seed $seed: PyTorch training ($EPOCHS epochs)"
  t0=$(now)
  "$PYTHON" "$ROOT/bench/parity/torch_fmnist.py" --idx "$FMNIST_SRC" --subset "$DATA" --epochs "$EPOCHS" \
    --seed "$seed" --threads "$THREADS" > "$PARITY_DIR/torch-$seed.log" 2>&1 || { tail -20 "$PARITY_DIR/torch-$seed.log" >&2; exit 1; }
  torch_wall=$(echo "$(now) - $t0" | bc)
  torch_json=$(tail -1 "$PARITY_DIR/torch-$seed.log")
  torch_acc=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["accuracy"])' "$torch_json")
  torch_fit=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["train_seconds"])' "$torch_json")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$seed" "$kiln_acc" "$torch_acc" "$kiln_wall" "$torch_wall" "$kiln_fit" "$torch_fit" >> "$RESULTS"
  log "seed $seed: Kiln $kiln_acc, PyTorch $torch_acc"
done

"$PYTHON" - "$RESULTS" "$TOLERANCE" "$TRAIN_ROWS" "$TEST_ROWS" "$EPOCHS" <<'EOF'
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
tol = float(sys.argv[2])
col = lambda k: [float(r[k]) for r in rows]
mean = lambda k: st.mean(col(k))
sd = lambda k: st.stdev(col(k)) if len(rows) > 1 else 0.0
print(f"\nFashion-MNIST parity: {sys.argv[3]} train / {sys.argv[4]} test rows, {sys.argv[5]} epochs, batch 128, Adam 2e-3 + cosine (1 warmup epoch)")
print(f"{'seed':>6} {'Kiln acc':>9} {'PyTorch acc':>12} {'Kiln wall':>10} {'PyTorch wall':>13} {'Kiln fit':>9} {'PyTorch fit':>12}")
for r in rows:
    print(f"{r['seed']:>6} {100 * float(r['kiln_acc']):8.2f}% {100 * float(r['torch_acc']):11.2f}% "
          f"{float(r['kiln_wall_s']):9.1f}s {float(r['torch_wall_s']):12.1f}s {float(r['kiln_fit_s']):8.1f}s {float(r['torch_fit_s']):11.1f}s")
k, t = 100 * mean("kiln_acc"), 100 * mean("torch_acc")
print(f"{'mean':>6} {k:8.2f}% {t:11.2f}% {mean('kiln_wall_s'):9.1f}s {mean('torch_wall_s'):12.1f}s {mean('kiln_fit_s'):8.1f}s {mean('torch_fit_s'):11.1f}s")
if len(rows) > 1:
    print(f"{'sd':>6} {100 * sd('kiln_acc'):8.2f}  {100 * sd('torch_acc'):11.2f}")
print(f"\nKiln test accuracy {k:.2f}%  PyTorch {t:.2f}%  difference {k - t:+.2f} points (tolerance {tol})")
print(f"wall time Kiln / PyTorch: {mean('kiln_wall_s') / mean('torch_wall_s'):.2f}x end to end (process start, data, training), "
      f"{mean('kiln_fit_s') / mean('torch_fit_s'):.2f}x training loop only")
ok = abs(k - t) <= tol
print("PARITY OK" if ok else "PARITY FAILED")
sys.exit(0 if ok else 1)
EOF
