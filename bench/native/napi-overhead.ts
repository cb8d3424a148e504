/**
 * Dispatch cost: a tfjs `add` (kernel call through tfjs's engine) and a `relu` on `native` (C++ via
 * N-API) vs `cpu` (JavaScript) at small sizes, plus the bare N-API call into the addon.
 * Usage: npx tsx bench/native/napi-overhead.ts
 */
import * as tf from '@tensorflow/tfjs';
import { registerNativeBackend } from '../../packages/backend-native/src/index';
import { loadAddon } from '../../packages/backend-native/src/load-addon';

function perCall(f: () => void, minMs = 300): number {
  for (let i = 0; i < 200; i++) f();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (let i = 0; i < 100; i++) f();
    n += 100;
  }
  return ((performance.now() - t0) / n) * 1000; // µs
}

async function main(): Promise<void> {
  registerNativeBackend();
  const addon = loadAddon();
  if (!addon) throw new Error('addon not built');
  const x = new Float32Array(1), o = new Float32Array(1);
  console.log(`bare N-API call (unary relu, 1 element): ${perCall(() => addon.unary(0, x, o, 0, 0)).toFixed(2)} µs`);
  console.log('size      add native  add cpu   relu native  relu cpu   (µs per tfjs op, incl. tfjs engine)');
  for (const n of [1, 16, 256, 1024, 4096, 16384, 65536]) {
    const row: string[] = [String(n).padEnd(9)];
    for (const op of ['add', 'relu'] as const) {
      for (const backend of ['native', 'cpu']) {
        await tf.setBackend(backend);
        const a = tf.randomNormal([n]), b = tf.randomNormal([n]);
        row.push(perCall(() => (op === 'add' ? tf.add(a, b) : tf.relu(a)).dispose()).toFixed(2).padStart(10));
        tf.dispose([a, b]);
      }
    }
    console.log(row.join(' '));
  }
}

void main();
