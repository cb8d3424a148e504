"""Decodes the PNGs listed in argv[2:] (CSV files) with PIL to uint8 RGB arrays, argv[1] times;
prints the seconds of each pass (one JSON list). Used by decode-throughput.ts as the reference."""
import csv, json, os, sys, time

import numpy as np
from PIL import Image

repeats = int(sys.argv[1])
paths = []
for csv_path in sys.argv[2:]:
    root = os.path.dirname(csv_path)
    with open(csv_path, newline="") as f:
        paths += [os.path.join(root, row["path"]) for row in csv.DictReader(f)]
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    for p in paths:
        with Image.open(p) as im:
            np.asarray(im.convert("RGB"))
    times.append(time.perf_counter() - t0)
print(json.dumps({"count": len(paths), "seconds": times}))
