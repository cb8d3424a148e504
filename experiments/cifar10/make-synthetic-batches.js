#!/usr/bin/env node
// Writes a tiny stand-in for the CIFAR-10 binary version (data_batch_1..5.bin, test_batch.bin,
// batches.meta.txt) to check `kiln dataset import cifar10` and `experiment=cifar10` end to end where
// the real files are not available. Each class gets its own colour and stripe direction plus noise,
// so a model can learn it; the numbers say nothing about real CIFAR-10 accuracy.
//   node experiments/cifar10/make-synthetic-batches.js OUT_DIR [imagesPerBatch=200]
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const SIDE = 32;
const PLANE = SIDE * SIDE;

// mulberry32: a small seeded generator, so the files are the same on every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function batch(count, seed) {
  const rand = rng(seed);
  const out = Buffer.alloc(count * (1 + 3 * PLANE));
  for (let n = 0; n < count; n++) {
    const label = n % CLASSES.length;
    const off = n * (1 + 3 * PLANE);
    out[off] = label;
    const angle = (label * Math.PI) / CLASSES.length;
    const base = [(label * 73) % 256, (label * 151) % 256, (label * 211) % 256];
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const stripe = Math.sin((x * Math.cos(angle) + y * Math.sin(angle)) * 0.8) * 60;
        for (let c = 0; c < 3; c++) {
          const v = base[c] * 0.6 + 50 + stripe + (rand() - 0.5) * 80;
          out[off + 1 + c * PLANE + y * SIDE + x] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  return out;
}

const [outDir, perBatchArg] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node make-synthetic-batches.js OUT_DIR [imagesPerBatch=200]');
  process.exit(2);
}
const perBatch = Number(perBatchArg ?? 200);
mkdirSync(outDir, { recursive: true });
for (let i = 1; i <= 5; i++) writeFileSync(join(outDir, `data_batch_${i}.bin`), batch(perBatch, i));
writeFileSync(join(outDir, 'test_batch.bin'), batch(perBatch, 99));
writeFileSync(join(outDir, 'batches.meta.txt'), CLASSES.join('\n') + '\n');
console.log(`wrote ${5 * perBatch} train + ${perBatch} test synthetic CIFAR-format images to ${outDir}`);
