import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

// The built native backend with int8 kernels; without them the int8 path is the one-line error tested last.
const NATIVE = resolve(__dirname, '../../../packages/backend-native/dist/index.js');
function int8Available(): boolean {
  try {
    const m = require(NATIVE) as { int8Support?: () => { available: boolean } };
    return !!m.int8Support?.().available;
  } catch {
    return false;
  }
}

const TINY = ['data.trainPerClass=24', 'data.valPerClass=8', 'data.testPerClass=8', 'data.batchSize=16', 'trainer.maxEpochs=2'];

describe.skipIf(!existsSync(CLI) || !int8Available())('kiln test/predict/validate --quantize=int8 (built CLI, native int8)', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-int8-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };
  let runDir = '';

  beforeAll(() => {
    const r = kiln(['train', ...TINY], work, env);
    expect(r.code, r.stderr).toBe(0);
    runDir = join(work, 'outputs', 'latest');
  });

  it('validate runs int8, logs the plan, caches the calibration, and predict reuses it until the checkpoint changes', () => {
    const fp32 = kiln(['validate', `--ckpt=${runDir}`, '--split=test', '--output=fp32.csv'], work, env);
    expect(fp32.code, fp32.stderr).toBe(0);
    const int8 = kiln(['validate', `--ckpt=${runDir}`, '--split=test', '--output=int8.csv', '--quantize=int8', '--calibration=4'], work, env);
    expect(int8.code, int8.stderr).toBe(0);
    const log = int8.stdout + int8.stderr;
    expect(log).toMatch(/int8: 5 layers int8 \(isa \w+, [78]-bit weights; 3 batch norms folded, 3 ReLUs fused\), none stay fp32; calibrated on 4 training batches/);
    const cache = join(runDir, 'quant', 'best.int8.json');
    expect(existsSync(cache)).toBe(true);
    const rows = (f: string) => (parse(readFileSync(join(work, f), 'utf8')) as string[][]).slice(1);
    const [a, b] = [rows('fp32.csv'), rows('int8.csv')];
    expect(b.length).toBe(a.length);
    expect(b.every((r, i) => r[0] === a[i][0] && r[2] !== '')).toBe(true); // same images, every row predicted

    const image = join(work, a[0][0]);
    const p = kiln(['predict', existsSync(image) ? image : a[0][0], `--ckpt=${runDir}`, '--quantize=int8', '--calibration=4', '--debug'], work, env);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/\(cached calibration\)/);
    expect(JSON.parse(p.stdout).predictions[0].top.length).toBeGreaterThan(0);

    const ckpt = join(runDir, 'checkpoints', 'best.ckpt');
    const later = new Date(statSync(ckpt).mtimeMs + 10_000);
    utimesSync(ckpt, later, later);
    const again = kiln(['predict', existsSync(image) ? image : a[0][0], `--ckpt=${runDir}`, '--quantize=int8', '--calibration=4', '--debug'], work, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/calibrated on 4 training batches/);
    expect(readdirSync(join(runDir, 'quant'))).toEqual(['best.int8.json']);
  });

  it('a bad --quantize is a usage error (exit 2) and no native addon is a one-line error', () => {
    const bad = kiln(['test', '--input=x.csv', '--output=y.csv', '--quantize=int4'], work, env);
    expect(bad.code).toBe(2);
    const none = kiln(['validate', `--ckpt=${runDir}`, '--split=test', '--output=n.csv', '--quantize=int8'], work, { ...env, KILN_NATIVE_ADDON: join(work, 'missing.node') });
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n').at(-1)).toMatch(/^kiln: int8 inference needs Kiln's native backend/);
  });
});
