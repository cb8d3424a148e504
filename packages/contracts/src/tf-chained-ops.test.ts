import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as core from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CHAINED_OPS, installChainedOps } from './tf-chained-ops';

/** The methods the @tensorflow/tfjs umbrella adds to tfjs-core's Tensor, read from a fresh process. */
function umbrellaMethods(): string[] {
  const script =
    "const c = require('@tensorflow/tfjs-core'); const before = new Set(Object.getOwnPropertyNames(c.Tensor.prototype));" +
    "require('@tensorflow/tfjs'); console.log(JSON.stringify(Object.getOwnPropertyNames(c.Tensor.prototype).filter((n) => !before.has(n))));";
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: __dirname, encoding: 'utf8' }).trim().split('\n').pop()!) as string[];
}

describe('installChainedOps', () => {
  it('adds exactly the methods the @tensorflow/tfjs umbrella adds', () => {
    const proto = core.Tensor.prototype as unknown as Record<string, unknown>;
    const before = new Set(Object.getOwnPropertyNames(proto));
    installChainedOps();
    const added = Object.getOwnPropertyNames(proto).filter((n) => !before.has(n));
    const expected = umbrellaMethods();
    expect(expected.length).toBeGreaterThan(100);
    expect([...added].sort()).toEqual([...expected].sort());
    expect([...CHAINED_OPS].sort()).toEqual([...expected].sort());
  });

  it('computes what the ops compute, and refuses a disposed tensor', () => {
    installChainedOps();
    const x = core.tensor2d([1, -2, 3, -4], [2, 2]);
    expect(Array.from(x.add(x).dataSync())).toEqual([2, -4, 6, -8]);
    expect(Array.from(x.abs().sum().dataSync())).toEqual([10]);
    expect(x.as1D().shape).toEqual([4]);
    expect(x.flatten().reshapeAs(x).shape).toEqual([2, 2]);
    expect(x.concat(x, 0).shape).toEqual([4, 2]);
    expect(x.stack([x, x]).shape).toEqual([3, 2, 2]);
    expect(x.toInt().dtype).toBe('int32');
    expect(x.reshape([1, 2, 2, 1]).maxPool(2, 1, 'valid').shape).toEqual([1, 1, 1, 1]);
    expect(x.reshape([2, 2, 1]).resizeBilinear([4, 4]).shape).toEqual([4, 4, 1]);
    expect(Array.from(x.where(core.tensor2d([1, 0, 1, 0], [2, 2], 'bool'), core.zerosLike(x)).dataSync())).toEqual([1, 0, 3, 0]);
    expect(() => x.sum().asScalar()).not.toThrow();
    expect(() => x.asScalar()).toThrow(/only 1 element/);
    x.dispose();
    expect(() => x.relu()).toThrow(/disposed/);
  });
});
