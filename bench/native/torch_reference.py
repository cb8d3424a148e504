#!/usr/bin/env python3
"""PyTorch CPU reference for bench/native/train-throughput.ts (identical models).

Prints one JSON object: {"torch": version, "threads": n, "results": {key: img_per_s}}.
Run: OPENBLAS_NUM_THREADS=1 python3 bench/native/torch_reference.py [--threads 2]
"""
import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def fmnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(5 * 5 * 64, 128), nn.ReLU(), nn.Linear(128, 10))


def cifar_net():
    layers, cin = [], 3
    for cout, stride in [(32, 1), (32, 1), (64, 2), (64, 1), (128, 2)]:
        layers += [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                   nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5), nn.ReLU()]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


MODELS = {"fmnist-cnn": (fmnist_cnn, (1, 28, 28)), "cifar-net": (cifar_net, (3, 32, 32)), "mlp": (mlp, (784,))}


def timed(fn, warmup, seconds, batch):
    """img/s of the best ~0.5 s window (same method as train-throughput.ts)."""
    for _ in range(warmup):
        fn()
    best, end = 0.0, time.perf_counter() + seconds
    while True:
        steps, t0 = 0, time.perf_counter()
        while True:
            fn()
            steps += 1
            if time.perf_counter() - t0 >= min(0.5, seconds / 8):
                break
        best = max(best, batch * steps / (time.perf_counter() - t0))
        if time.perf_counter() >= end:
            return best


def train_throughput(name, batch, seconds):
    build, shape = MODELS[name]
    model = build()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    model.train()
    return timed(step, 5, seconds, batch)


def infer_throughput(name, batch, seconds):
    build, shape = MODELS[name]
    model = build().eval()
    x = torch.randn(batch, *shape)

    def step():
        with torch.no_grad():
            model(x)
    return timed(step, 3, seconds, batch)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--models", default="fmnist-cnn,cifar-net,mlp")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    results = {}
    for name in a.models.split(","):
        results[f"{name}/train"] = train_throughput(name, 64, a.seconds)
    if "fmnist-cnn" in a.models:
        results["fmnist-cnn/infer"] = infer_throughput("fmnist-cnn", 256, a.seconds)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))


if __name__ == "__main__":
    main()
