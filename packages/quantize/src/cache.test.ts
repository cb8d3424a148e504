import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SimpleCnn } from '@kiln/models';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrationCachePath, readCalibrationCache } from './cache';
import type { ImageBatch } from './calibrate';
import { quantizeModelInt8 } from './quantize-model';
import { referenceInt8Kernels } from './reference-kernels';

const dir = mkdtempSync(join(tmpdir(), 'kiln-quant-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('calibration cache', () => {
  it('reuses the calibration until the checkpoint changes (mtime) or the options do', async () => {
    const ckpt = join(dir, 'checkpoints', 'best.ckpt');
    const path = calibrationCachePath(dir, ckpt);
    expect(path).toBe(join(dir, 'quant', 'best.int8.json'));
    rmSync(join(dir, 'checkpoints'), { recursive: true, force: true });
    mkdirSync(join(dir, 'checkpoints'));
    writeFileSync(ckpt, 'weights');
    const net = new SimpleCnn({ numClasses: 2, inputShape: [8, 8, 3], channels: [4], seed: 1 }).net;
    let reads = 0;
    const source = () => {
      reads++;
      return [{ images: tf.tidy(() => tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1).dataSync() as Float32Array), shape: [4, 8, 8, 3] }] as ImageBatch[];
    };
    const run = async (extra = {}) => {
      const q = await quantizeModelInt8(net, { kernels: referenceInt8Kernels(), calibration: source, batches: 2, cache: { path, checkpoint: ckpt }, ...extra });
      q.restore();
      return q;
    };
    const first = await run();
    expect([first.cached, reads]).toEqual([false, 1]);
    const second = await run();
    expect([second.cached, reads]).toEqual([true, 1]);
    expect(second.calibration).toEqual(first.calibration);
    expect(readdirSync(join(dir, 'quant'))).toEqual(['best.int8.json']); // no temp file left

    const later = new Date(Date.now() + 5000);
    utimesSync(ckpt, later, later);
    expect((await run()).cached).toBe(false);
    expect(reads).toBe(2);
    expect((await run()).cached).toBe(true);
    expect((await run({ fullRange: true })).cached).toBe(false); // weights change with the range
    expect((await run({ method: 'percentile' })).cached).toBe(false);
    expect(reads).toBe(4);
    net.dispose();
  });

  it('an unreadable cache file is a miss, not an error', () => {
    const path = join(dir, 'broken.int8.json');
    writeFileSync(path, '{not json');
    writeFileSync(join(dir, 'x.ckpt'), 'w');
    expect(readCalibrationCache(path, join(dir, 'x.ckpt'), { batches: 1, method: 'minmax', qmax: 63 }, { ops: [], fp32: [] })).toBeUndefined();
  });
});
