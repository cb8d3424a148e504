import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { n: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: [number, number]; pad: Pad; d?: [number, number] }

const explicit: Pad = [[0, 0], [1, 2], [2, 0], [0, 0]];
const cases: Case[] = [
  { n: 1, h: 5, w: 5, ci: 1, co: 1, k: [3, 3], s: [1, 1], pad: 'valid' },
  { n: 2, h: 9, w: 9, ci: 3, co: 4, k: [3, 3], s: [2, 2], pad: 'valid' },
  { n: 2, h: 8, w: 7, ci: 3, co: 5, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 3, h: 10, w: 11, ci: 4, co: 8, k: [3, 2], s: [2, 3], pad: 'same' },
  { n: 2, h: 6, w: 6, ci: 5, co: 3, k: [2, 2], s: [2, 2], pad: explicit },
  { n: 1, h: 7, w: 7, ci: 16, co: 32, k: [1, 1], s: [1, 1], pad: 'valid' },
  { n: 4, h: 12, w: 12, ci: 8, co: 16, k: [5, 5], s: [1, 1], pad: 'same' },
  { n: 5, h: 28, w: 28, ci: 1, co: 32, k: [3, 3], s: [1, 1], pad: 'valid' },
  // ResNet's 1×1 stride-2 shortcut on an even input: a row the stride never reaches (negative bottom padding).
  { n: 2, h: 8, w: 8, ci: 4, co: 8, k: [1, 1], s: [2, 2], pad: 'valid' },
];
const name = (c: Case) => `${c.n}x${c.h}x${c.w}x${c.ci}->${c.co} k${c.k} s${c.s} ${JSON.stringify(c.pad)}${c.d ? ` d${c.d}` : ''}`;
const xShape = (c: Case) => [c.n, c.h, c.w, c.ci];
const wShape = (c: Case) => [c.k[0], c.k[1], c.ci, c.co];

describe.skipIf(!nativeReady)('Conv2D (native vs cpu)', () => {
  for (const c of cases) {
    it(`forward + gradients ${name(c)}`, async () => {
      await expectSame([{ shape: xShape(c) }, { shape: wShape(c) }], withGrads((x, w) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad)));
    });
  }

  for (const d of [[2, 2], [1, 3]] as [number, number][]) {
    it(`dilated forward d${d}`, async () => {
      for (const pad of ['same', 'valid'] as const) {
        await expectSame([{ shape: [2, 11, 12, 3] }, { shape: [3, 3, 3, 4] }], (x, w) =>
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad, 'NHWC', d));
      }
    });
  }

  it('dimRoundingMode ceil (forward; tfjs gradients ignore rounding)', async () => {
    await expectSame([{ shape: [2, 7, 7, 2] }, { shape: [2, 2, 2, 3] }], (x, w) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1, 'NHWC', 1, 'ceil'));
  });

  for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'] as const) {
    it(`FusedConv2D bias + ${activation} with gradients`, async () => {
      const inputs = [{ shape: [2, 8, 8, 3] }, { shape: [3, 3, 3, 6] }, { shape: [6] }];
      if (activation === 'prelu') inputs.push({ shape: [6] });
      await expectSame(inputs, withGrads((x, w, b, a) => tf.fused.conv2d({
        x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation,
        preluActivationWeights: activation === 'prelu' ? a : undefined, leakyreluAlpha: 0.1,
      })));
    });
  }

  it('NCHW falls back to cpu', async () => {
    // cpu only supports NHWC for conv2d forward; both should raise the same way or agree.
    await expectSame([{ shape: [1, 6, 6, 2] }, { shape: [3, 3, 2, 2] }], (x, w) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC'));
  });

  it('direct backprop kernels', async () => {
    await expectSame([{ shape: [3, 5, 5, 4] }, { shape: [3, 3, 2, 4] }], (dy, w) =>
      tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [3, 10, 10, 2], 2, 'same'));
  });
});

describe.skipIf(!nativeReady)('Conv2D native coverage', () => {
  it('ran conv kernels natively', async () => {
    const { nativeKernelStats } = await import('./kernel-util.js');
    const s = nativeKernelStats();
    for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'FusedConv2D']) {
      expect(s[k]?.native ?? 0).toBeGreaterThan(0);
    }
    // Only the prelu FusedConv2D case falls back.
    expect(s.Conv2D?.fallback ?? 0).toBe(0);
    expect(s.Conv2DBackpropFilter?.fallback ?? 0).toBe(0);
    expect(s.Conv2DBackpropInput?.fallback ?? 0).toBe(0);
    expect(s.FusedConv2D?.fallback ?? 0).toBe(1);
  });
});

describe.skipIf(!nativeReady)('conv implementation timing (KILN_CONV_TUNE=1, opt-in)', () => {
  // TuneEnabled() reads the variable once per process, so the opt-in path runs in a child.
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { registerNativeBackend } from '@kiln/backend-native';
    registerNativeBackend();
    const r = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + s) * 0.5);
    const f = () => tf.fused.conv2d({ x: tf.tensor4d(r(4 * 8 * 8 * 16, 1), [4, 8, 8, 16]), filter: tf.tensor4d(r(3 * 3 * 16 * 32, 2), [3, 3, 16, 32]),
      bias: tf.tensor1d(r(32, 3)), strides: 1, pad: 'same', activation: 'relu' }).dataSync();
    await tf.setBackend('cpu');
    const ref = f();
    await tf.setBackend('native');
    const got = f();
    let d = 0;
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(got[i] - ref[i]));
    console.log('RESULT ' + d);`;
  const run = (tune: string) => spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...process.env, KILN_CONV_TUNE: tune, ONEDNN_VERBOSE: '1' }, timeout: 120_000,
  });
  const convRuns = (out: string) => out.split('\n').filter((l) => /^onednn_verbose,exec,cpu,convolution/.test(l)).length;

  it('times the candidates on the first call of a shape and still matches cpu; off by default', () => {
    const on = run('1');
    expect(on.status, on.stderr).toBe(0);
    expect(Number(/RESULT (\S+)/.exec(on.stdout)?.[1])).toBeLessThan(1e-4);
    const off = run('');
    expect(off.status, off.stderr).toBe(0);
    expect(convRuns(off.stdout)).toBe(1);
    // two candidates x two timed runs, then the call itself
    expect(convRuns(on.stdout)).toBeGreaterThan(1);
  });
});
