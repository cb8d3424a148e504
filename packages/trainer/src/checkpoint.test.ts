import * as tf from '@tensorflow/tfjs';
import { mkdtempSync as mkdtemp, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointPayload } from './checkpoint';
import { CheckpointError } from './errors';
import { restoreModelFromCheckpoint } from './restore-model';
import { findResumeCheckpoint } from './resume';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const made: string[] = [];
function mkdtempSync(prefix: string): string {
  const dir = mkdtemp(prefix);
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const payload = (): CheckpointPayload => ({
  epoch: 2,
  batchInEpoch: 3,
  globalStep: 19,
  weights: [
    { name: 'a/kernel', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
    { name: 'a/bias', shape: [2], data: Float32Array.from([0.5, -0.5]) },
  ],
  ema: { decay: 0.99, weights: [Float32Array.from([1, 1, 1, 1]), Float32Array.from([0, 0])] },
  optimizer: { type: 'adam', lr: 0.01, step: 19, slots: [{ weight: 1, slot: 'exp_avg', data: Float32Array.from([7, 8]) }] },
  scheduler: { lr: 0.1, best: null },
  data: { epoch: 2, batchIndex: 3 },
  rng: { global: [1, 2, 3, 4] },
  best: { monitor: 'val/accuracy', mode: 'max', value: 0.75 },
  callbacks: { model_checkpoint: { best: 'x.ckpt' } },
  classes: ['a', 'b'],
  meta: { config: { seed: 1 } },
});

describe('checkpoint format', () => {
  it('round-trips every field and array', () => {
    const back = decodeCheckpoint(encodeCheckpoint(payload()));
    expect(back).toEqual(payload());
  });

  it('starts with the magic and a 4-byte aligned blob', () => {
    const buf = encodeCheckpoint(payload());
    expect(buf.toString('latin1', 0, 8)).toBe('KILNCKPT');
    expect((16 + buf.readUInt32LE(12)) % 4).toBe(0);
  });

  it('detects truncation and foreign files', () => {
    const buf = encodeCheckpoint(payload());
    expect(() => decodeCheckpoint(buf.subarray(0, buf.length - 4), 'x.ckpt')).toThrow(/x.ckpt is truncated/);
    expect(() => decodeCheckpoint(Buffer.from('{"not":"a checkpoint"}'), 'y.ckpt')).toThrow(CheckpointError);
  });

  it('saves atomically: no temp files remain and an overwrite replaces the whole file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-ckpt-'));
    const path = join(dir, 'last.ckpt');
    await saveCheckpoint(path, payload());
    const first = readFileSync(path);
    await saveCheckpoint(path, { ...payload(), globalStep: 20 });
    expect(readdirSync(dir)).toEqual(['last.ckpt']);
    expect((await loadCheckpoint(path)).globalStep).toBe(20);
    expect(readFileSync(path).equals(first)).toBe(false);
  });

  it('writes the bytes encodeCheckpoint gives (the header, then the arrays straight from the payload)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-ckpt-'));
    const path = join(dir, 'x.ckpt');
    await saveCheckpoint(path, payload());
    const written = readFileSync(path);
    const encoded = encodeCheckpoint(payload());
    expect(written.length).toBe(encoded.length);
    expect(decodeCheckpoint(written)).toEqual(payload());
    // Only createdAt (in the header) may differ.
    const blob = 16 + written.readUInt32LE(12);
    expect(written.subarray(blob).equals(encoded.subarray(blob))).toBe(true);
  });
});

describe('findResumeCheckpoint', () => {
  it('resolves run dirs and files; a missing path is a config error; auto finds nothing in an empty root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-runs-'));
    const run = join(root, 'r1');
    await saveCheckpoint(join(run, 'checkpoints', 'last.ckpt'), payload());
    expect(findResumeCheckpoint(run)).toBe(join(run, 'checkpoints', 'last.ckpt'));
    expect(findResumeCheckpoint(join(run, 'checkpoints', 'last.ckpt'))).toBe(join(run, 'checkpoints', 'last.ckpt'));
    expect(() => findResumeCheckpoint(join(root, 'nope'))).toThrow(/trainer.resume: no checkpoint/);
    expect(findResumeCheckpoint('auto', mkdtempSync(join(tmpdir(), 'kiln-empty-')))).toBeUndefined();
    expect(findResumeCheckpoint(null)).toBeUndefined();
  });
});

describe('restoreModelFromCheckpoint', () => {
  const netWithWeights = () => {
    const net = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    return net;
  };

  it('rebuilds the topology and loads the EMA weights when present', async () => {
    const net = netWithWeights();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-restore-'));
    const weights = net.weights.map((w) => ({ name: w.name, shape: w.shape as number[], data: w.read().dataSync() as Float32Array }));
    const ema = [new Float32Array(6).fill(0.5), Float32Array.from([1, -1])];
    const path = join(dir, 'best.ckpt');
    await saveCheckpoint(path, { epoch: 1, batchInEpoch: 0, globalStep: 1, weights, ema: { decay: 0.9, weights: ema }, topology: net.toJSON(undefined, false), classes: ['x', 'y'] });
    const restored = await restoreModelFromCheckpoint(path);
    const out = tf.tidy(() => Array.from((restored.net.predict(tf.ones([1, 3])) as tf.Tensor).dataSync()));
    expect(out[0]).toBeCloseTo(1.5 + 1, 6);
    expect(out[1]).toBeCloseTo(1.5 - 1, 6);
    expect(restored.classes).toEqual(['x', 'y']);
    restored.net.dispose();
    net.dispose();
  });

  it('refuses unknown layer classes', async () => {
    const net = netWithWeights();
    const topology = JSON.parse(JSON.stringify(net.toJSON(undefined, false)));
    topology.config.layers[0].class_name = 'EvilLayer';
    const dir = mkdtempSync(join(tmpdir(), 'kiln-restore-'));
    const path = join(dir, 'x.ckpt');
    await saveCheckpoint(path, { epoch: 0, batchInEpoch: 0, globalStep: 0, weights: [], topology });
    await expect(restoreModelFromCheckpoint(path)).rejects.toThrow(/refusing to load layer .*EvilLayer/);
    net.dispose();
    writeFileSync(join(dir, 'y.ckpt'), 'garbage');
    await expect(restoreModelFromCheckpoint(join(dir, 'y.ckpt'))).rejects.toThrow(/not a Kiln checkpoint/);
  });
});
