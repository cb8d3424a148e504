#!/usr/bin/env python3
"""Plain PyTorch loop over the shapes PNG files, the twin of `kiln train model=M` (bench/run/whole-run.ts, bench/zoo/e2e-resnet.ts).

Same data (train.csv / val.csv of the generated set), normalisation ((x - 0.5) / 0.5), augmentation (hflip p=0.5,
translate up to 2 px), batch 64, shuffle, Adam lr 2e-3 with cosine decay, a validation pass per epoch.
  OPENBLAS_NUM_THREADS=1 python3 bench/zoo/e2e_torch.py --root ~/.cache/kiln/datasets/shapes-v2-0-500-100-100 [--epochs 1] [--model resnet]
"""
import argparse
import csv
import json
import math
import os
import random
import sys
import time


def process_seconds():
    """Seconds since this process started (the kernel's start time), so imports count like Kiln's."""
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import torch_side  # noqa: E402


def read_split(root, split):
    with open(os.path.join(root, f"{split}.csv")) as f:
        rows = list(csv.DictReader(f))
    classes = sorted({r["label"] for r in rows})
    return rows, classes


def load_batch(root, rows, classes, train):
    xs = []
    for r in rows:
        img = np.asarray(Image.open(os.path.join(root, r["path"])).convert("RGB").resize((32, 32)), dtype=np.float32) / 255.0
        if train:
            if random.random() < 0.5:
                img = img[:, ::-1]
            dy, dx = random.randint(-2, 2), random.randint(-2, 2)
            img = np.roll(img, (dy, dx), axis=(0, 1))
            if dy > 0: img[:dy] = 0
            if dy < 0: img[dy:] = 0
            if dx > 0: img[:, :dx] = 0
            if dx < 0: img[:, dx:] = 0
        xs.append((img - 0.5) / 0.5)
    x = torch.from_numpy(np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2)))
    y = torch.tensor([classes.index(r["label"]) for r in rows])
    return x, y


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--model", default="resnet", choices=sorted(torch_side.MODELS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--progress", type=int, default=0, help="print the time of every Nth training step to stderr (0: never)")
    p.add_argument("--max-batches", type=int, default=0, help="train on the first N batches of each epoch (Kiln: trainer.limitTrainBatches=N); 0: all")
    p.add_argument("--bf16", action="store_true", help="torch.cpu.amp.autocast(dtype=torch.bfloat16) around forward + loss (Kiln: trainer.precision=bf16-mixed)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    random.seed(42)
    t0 = time.perf_counter()
    first_step = None
    train_seconds = 0.0
    train_rows, classes = read_split(a.root, "train")
    val_rows, _ = read_split(a.root, "val")
    model = torch_side.MODELS[a.model]()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps_per_epoch = math.ceil(len(train_rows) / 64)
    if a.max_batches:
        steps_per_epoch = min(steps_per_epoch, a.max_batches)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs * steps_per_epoch)
    for epoch in range(a.epochs):
        model.train()
        random.shuffle(train_rows)
        t_epoch = time.perf_counter()
        trained = 0
        for i in range(0, min(len(train_rows), steps_per_epoch * 64), 64):
            x, y = load_batch(a.root, train_rows[i:i + 64], classes, True)
            if first_step is None:
                first_step = process_seconds()
            opt.zero_grad(set_to_none=True)
            with torch.cpu.amp.autocast(enabled=a.bf16, dtype=torch.bfloat16):
                loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            loss.item()
            trained += len(y)
            step = i // 64 + 1
            if a.progress and step % a.progress == 0:
                print(f"epoch {epoch + 1} step {step}/{steps_per_epoch}: {time.perf_counter() - t_epoch:.1f} s", file=sys.stderr, flush=True)
        train_seconds += time.perf_counter() - t_epoch
        model.eval()
        correct = 0
        with torch.no_grad(), torch.cpu.amp.autocast(enabled=a.bf16, dtype=torch.bfloat16):
            for i in range(0, len(val_rows), 64):
                x, y = load_batch(a.root, val_rows[i:i + 64], classes, False)
                correct += int((model(x).argmax(1) == y).sum())
        print(f"epoch {epoch + 1}: val accuracy {correct / len(val_rows):.3f}", file=sys.stderr)
    print(json.dumps({
        "seconds": time.perf_counter() - t0,
        "valAccuracy": correct / len(val_rows),
        # process start to the start of the first training step (its batch loaded), as Kiln's profile.json reports it
        "firstStepSeconds": first_step,
        "trainImgPerS": a.epochs * trained / train_seconds,
        "bf16": a.bf16,
    }))


if __name__ == "__main__":
    main()
