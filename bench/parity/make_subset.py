#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset both frameworks train on, in one fixed (seeded) order.

Reads the CSVs made by `kiln dataset import fashion-mnist` (row i of train.csv is image i of
the idx file: the importer keeps the order) and the idx label files, checks that they agree,
then writes next to them (so the image paths stay valid):
  parity-train.csv / parity-test.csv   the subset rows, in training order (Kiln reads these, data.shuffle=false)
  parity-train_idx.txt / parity-test_idx.txt   the idx image index of each row, same order (PyTorch reads these)

Run: /usr/bin/python3 bench/parity/make_subset.py --idx DIR --csv DIR [--train 10000] [--test 10000] [--seed 0]
"""
import argparse
import csv
import gzip
import os

import numpy as np

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx_labels(path):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    if data[:4] != b"\x00\x00\x08\x01":
        raise SystemExit(f"{path}: not an idx1 label file")
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def idx_path(folder, stem):
    for name in (stem + ".gz", stem):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f"{stem}(.gz) not found in {folder}")


def write_split(split, prefix, count, rng, a):
    labels = read_idx_labels(idx_path(a.idx, f"{prefix}-labels-idx1-ubyte"))
    with open(os.path.join(a.csv, f"{split}.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    if len(rows) != len(labels):
        raise SystemExit(f"{split}.csv has {len(rows)} rows but the idx file {len(labels)} labels: re-run the import")
    label_col = header.index("label")
    # The CSV must list the idx images in order, or PyTorch and Kiln would train on different pictures.
    for i, row in enumerate(rows):
        if row[label_col] != CLASSES[labels[i]]:
            raise SystemExit(f"{split}.csv row {i + 1} is '{row[label_col]}' but idx image {i} is '{CLASSES[labels[i]]}'")
    order = rng.permutation(len(rows))[:count]
    out = os.path.join(a.csv, f"parity-{split}")
    with open(out + ".csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows[i] for i in order)
    with open(out + "_idx.txt", "w") as f:
        f.write("\n".join(str(i) for i in order) + "\n")
    print(f"{split}: {len(order)} rows -> {out}.csv")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--idx", required=True, help="folder with the Fashion-MNIST idx files")
    p.add_argument("--csv", required=True, help="folder made by `kiln dataset import fashion-mnist`")
    p.add_argument("--train", type=int, default=10000)
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.RandomState(a.seed)
    write_split("train", "train", a.train, rng, a)
    write_split("test", "t10k", a.test, rng, a)


if __name__ == "__main__":
    main()
