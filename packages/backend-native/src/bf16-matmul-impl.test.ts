import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addonFile, loadAddon } from './load-addon.js';

/**
 * Which oneDNN implementation runs the bf16 matmuls (ONEDNN_VERBOSE in a child process). A
 * broadcast operand once had batch stride 0, which oneDNN 2.6 read as its innermost dimension
 * (format 'bca'): every dense layer ran `ref:any`, ~100x slower than fp32 (simple_cnn trained
 * at 67 img/s in bf16-mixed against 1,830 in fp32). Every layout the backend passes — one matrix,
 * a broadcast operand, either transposed — must get a JIT implementation.
 */
const CHILD = `
const addon = require(process.argv[2]);
addon.setPrecision(1, false);
const cases = [
  // batch, M, N, K, transA, transB, strideA, strideB
  [1, 64, 128, 256, false, false, 0, 0],
  [1, 64, 128, 256, true, false, 0, 0],
  [1, 64, 128, 256, false, true, 0, 0],
  [1, 64, 128, 256, true, true, 0, 0],
  [4, 17, 19, 32, false, true, 17 * 32, 0],
  [4, 17, 19, 32, false, false, 0, 32 * 19],
  [4, 17, 19, 32, false, true, 17 * 32, 19 * 32],
];
for (const [batch, M, N, K, ta, tb, sa, sb] of cases) {
  const a = new Float32Array((sa ? batch : 1) * M * K).fill(0.5);
  const b = new Float32Array((sb ? batch : 1) * K * N).fill(0.25);
  const c = new Float32Array(batch * M * N);
  addon.gemm(a, b, c, batch, M, N, K, ta, tb, sa, sb, 1, null, 0, 0);
  if (Math.abs(c[c.length - 1] - K * 0.125) > 1e-3) throw new Error('wrong product ' + c[c.length - 1]);
}
`;

const dir = mkdtempSync(join(tmpdir(), 'kiln-bf16-impl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!loadAddon()?.precisionInfo().bf16)('bf16 matmul implementations (CPUs with AVX512-BF16 or AMX)', () => {
  it('no bf16 matmul layout falls back to oneDNN reference code', () => {
    const script = join(dir, 'child.cjs');
    writeFileSync(script, CHILD);
    const r = spawnSync(process.execPath, [script, addonFile()], {
      encoding: 'utf8',
      env: { ...process.env, ONEDNN_VERBOSE: '1', OPENBLAS_NUM_THREADS: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const impls = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('onednn_verbose,exec,cpu,matmul,'))
      .map((l) => `${l.split(',')[4]} ${l.split(',').at(-2)}`);
    expect(impls).toHaveLength(7);
    expect(impls.filter((i) => i.startsWith('ref')), impls.join('\n')).toEqual([]);
  });
});
