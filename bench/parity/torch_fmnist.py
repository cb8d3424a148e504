#!/usr/bin/env python3
"""PyTorch twin of Kiln's `experiment=fashion_mnist` recipe, for the parity check (bench/parity/run.sh).

Mirrors, piece by piece:
- model `simple_cnn` (packages/models/src/simple-cnn.ts, layer-factory.ts) with channels [32, 64, 128]:
  per block conv3×3 'same' (no bias: batch norm follows) → BN (eps 1e-5, momentum 0.1 = Keras 0.9) → ReLU
  → 2×2 max-pool stride 2 'same' (ceil_mode: 7 → 4); flatten → dense 128 + ReLU → dropout 0.25 → logits.
  Init as tfjs: conv/hidden kernels he_normal = normal truncated at ±2σ, σ = sqrt(2 / fan_in) (tfjs applies
  no truncation correction); logits glorot_uniform; biases 0; BN γ = 1, β = 0.
- input: uint8 / 255, then (x − 0.2860) / 0.3530 (Kiln's image processor with the experiment's mean/std).
- Adam (PyTorch's own; Kiln's follows its semantics) lr, betas, eps; weight decay 0.
- LR per optimizer step t (0-based), Kiln's `cosine` (packages/trainer/src/schedulers/cosine.ts):
  warmup W = round(warmupEpochs · stepsPerEpoch): lr = base·(t+1)/W for t < W, then
  minLr + (base − minLr)·(1 + cos(π·min(1, (t − W)/max(1, T − W))))/2.
- data order: the rows of parity-train_idx.txt in file order every epoch (Kiln: data.shuffle=false);
  batches of --batch-size, the last one partial (Kiln: dropLast false).
- cross entropy (mean), no augmentation, no label smoothing; evaluation of the final weights in eval mode.

Prints one JSON line: {"accuracy", "train_seconds", "total_seconds", ...}.
Run (see run.sh): OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive /usr/bin/python3 bench/parity/torch_fmnist.py --idx DIR --subset DIR
"""
import argparse
import gzip
import json
import math
import os
import time

T0 = time.perf_counter()
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

MEAN, STD = 0.2860, 0.3530


def read_idx(path):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def idx_file(folder, stem):
    for name in (stem + ".gz", stem):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f"{stem}(.gz) not found in {folder}")


def load_split(idx_dir, subset_dir, split, prefix):
    images = read_idx(idx_file(idx_dir, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(idx_file(idx_dir, f"{prefix}-labels-idx1-ubyte"))
    order = np.loadtxt(os.path.join(subset_dir, f"parity-{split}_idx.txt"), dtype=np.int64, ndmin=1)
    x = (images[order].astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(labels[order].astype(np.int64))


def he_normal_truncated_(w):
    fan_in = w[0].numel()  # in_channels · kh · kw (conv) or in_features (linear)
    std = math.sqrt(2.0 / fan_in)
    nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)


class SimpleCnn(nn.Module):
    def __init__(self, channels=(32, 64, 128), hidden=128, dropout=0.25, num_classes=10, side=28):
        super().__init__()
        blocks, cin = [], 1
        for cout in channels:
            conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            he_normal_truncated_(conv.weight)
            blocks += [conv, nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU(),
                       nn.MaxPool2d(2, 2, ceil_mode=True)]
            cin, side = cout, math.ceil(side / 2)
        self.features = nn.Sequential(*blocks)
        self.hidden = nn.Linear(cin * side * side, hidden)
        he_normal_truncated_(self.hidden.weight)
        nn.init.zeros_(self.hidden.bias)
        self.dropout = nn.Dropout(dropout)
        self.logits = nn.Linear(hidden, num_classes)
        nn.init.xavier_uniform_(self.logits.weight)
        nn.init.zeros_(self.logits.bias)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.logits(self.dropout(F.relu(self.hidden(x))))


def cosine_lr(t, base, min_lr, warmup, total):
    if t < warmup:
        return base * (t + 1) / warmup
    progress = min(1.0, max(0.0, (t - warmup) / max(1, total - warmup)))
    return min_lr + (base - min_lr) * (1 + math.cos(math.pi * progress)) / 2


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--idx", required=True, help="folder with the Fashion-MNIST idx files")
    p.add_argument("--subset", required=True, help="folder with parity-{train,test}_idx.txt (make_subset.py)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--min-lr", type=float, default=1e-5)
    p.add_argument("--warmup-epochs", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    x_train, y_train = load_split(a.idx, a.subset, "train", "train")
    x_test, y_test = load_split(a.idx, a.subset, "test", "t10k")
    model = SimpleCnn()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    steps_per_epoch = math.ceil(len(x_train) / a.batch_size)
    total = a.epochs * steps_per_epoch
    warmup = round(a.warmup_epochs * steps_per_epoch)

    t_train = time.perf_counter()
    step = 0
    for epoch in range(a.epochs):
        model.train()
        loss_sum = 0.0
        for start in range(0, len(x_train), a.batch_size):
            xb, yb = x_train[start:start + a.batch_size], y_train[start:start + a.batch_size]
            for group in opt.param_groups:
                group["lr"] = cosine_lr(step, a.lr, a.min_lr, warmup, total)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            step += 1
        print(f"epoch {epoch}: train loss {loss_sum / steps_per_epoch:.4f}", flush=True)
    train_seconds = time.perf_counter() - t_train

    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x_test), 256):
            pred = model(x_test[start:start + 256]).argmax(1)
            correct += int((pred == y_test[start:start + 256]).sum())
    print(json.dumps({
        "accuracy": correct / len(x_test),
        "train_seconds": round(train_seconds, 2),
        "total_seconds": round(time.perf_counter() - T0, 2),
        "train_rows": len(x_train), "test_rows": len(x_test), "epochs": a.epochs, "steps": step,
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
