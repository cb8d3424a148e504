#!/usr/bin/env python3
"""PyTorch side of bench/zoo: exact mirrors of the Kiln zoo models (default configs, 32x32x3, 6 classes).

One model per process (so peak RSS is its own). Prints one JSON line.
  OPENBLAS_NUM_THREADS=1 python3 bench/zoo/torch_side.py --model vit_tiny [--seconds 1] [--windows 5] [--threads 2]
  python3 bench/zoo/torch_side.py --model resnet --params   # parameter counts only
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

CLASSES = 6


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(32 * 32 * 3, 256), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, CLASSES))


def simple_cnn():
    layers, cin = [], 3
    for c in [32, 64, 128]:
        layers += [nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
        cin = c
    layers += [nn.Flatten(), nn.Linear(128 * 4 * 4, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, CLASSES)]
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.proj is None else self.proj(x)))


def resnet():
    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for s, (c, n) in enumerate(zip([64, 128, 256, 512], [2, 2, 2, 2])):
        for b in range(n):
            layers.append(BasicBlock(cin, c, 2 if s > 0 and b == 0 else 1))
            cin = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, CLASSES)]
    return nn.Sequential(*layers)


def make_divisible(v, d=8):
    r = max(d, int(v + d / 2) // d * d)
    return r + d if r < 0.9 * v else r


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, t, stride):
        super().__init__()
        hidden = cin * t
        layers = []
        if t != 1:
            layers += [nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


def mobilenet_v2():
    stages = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    cin = make_divisible(32)
    layers = [nn.Conv2d(3, cin, 3, 1, 1, bias=False), nn.BatchNorm2d(cin), nn.ReLU6()]
    for t, c, n, s in stages:
        cout = make_divisible(c)
        for i in range(n):
            layers.append(InvertedResidual(cin, cout, t, s if i == 0 else 1))
            cin = cout
    layers += [nn.Conv2d(cin, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU6(),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, CLASSES)]
    return nn.Sequential(*layers)


class VitBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp_ratio), nn.GELU(), nn.Linear(dim * mlp_ratio, dim))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class VitTiny(nn.Module):
    def __init__(self, patch=4, dim=192, depth=12, heads=3, mlp_ratio=4):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.pos_embed = nn.Conv2d(dim, dim, 3, 1, 1, groups=dim, bias=False)  # CPVT PEG, as Kiln's
        self.blocks = nn.Sequential(*[VitBlock(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, CLASSES)

    def forward(self, x):
        x = self.patch_embed(x)
        x = x + self.pos_embed(x)
        x = x.flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(x)).mean(1))


MODELS = {"mlp": mlp, "simple_cnn": simple_cnn, "resnet": resnet, "mobilenet_v2": mobilenet_v2, "vit_tiny": VitTiny}


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(fn, imgs, seconds, windows, warmup):
    for _ in range(warmup):
        fn()
    rates = []
    for _ in range(windows):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            if time.perf_counter() - t0 >= seconds:
                break
        rates.append(imgs * n / (time.perf_counter() - t0))
    return statistics.median(rates), rates


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--windows", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--params", action="store_true", help="print parameter counts only")
    p.add_argument("--bf16", action="store_true", help="torch.cpu.amp.autocast(dtype=torch.bfloat16) around forward + loss")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = MODELS[a.model]()
    params = sum(t.numel() for t in model.parameters() if t.requires_grad)
    buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    out = {"side": "torch", "bf16": a.bf16, "model": a.model, "torch": torch.__version__, "threads": torch.get_num_threads(),
           "params": params, "buffers": buffers}
    if not a.params:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.randn(64, 3, 32, 32)
        y = torch.randint(0, CLASSES, (64,))

        def step():
            opt.zero_grad(set_to_none=True)
            with torch.cpu.amp.autocast(enabled=a.bf16, dtype=torch.bfloat16):
                loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            loss.item()
        model.train()
        out["train"], out["trainWindows"] = measure(step, 64, a.seconds, a.windows, 2)
        out["trainRssMb"] = peak_rss_mb()
        model.eval()
        xi = torch.randn(256, 3, 32, 32)

        def infer():
            with torch.no_grad(), torch.cpu.amp.autocast(enabled=a.bf16, dtype=torch.bfloat16):
                model(xi)
        out["infer"], out["inferWindows"] = measure(infer, 256, a.seconds, a.windows, 1)
        out["peakRssMb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
