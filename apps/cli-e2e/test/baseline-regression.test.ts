import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

// CI's regression job: re-train the pinned shapes recipe (experiment=shapes, seed 42, 15 epochs) and
// check its test metrics against the committed baseline with `kiln test --baseline`. Two runs of
// the recipe give identical metrics, so the only slack is for another CPU's kernels rounding
// differently: 1 point is 6 of the 600 test images, and a real regression (a broken augmentation,
// schedule, BatchNorm or loss) costs more than that.
const BASELINE = resolve(__dirname, 'baselines/shapes.json');
const TOLERANCE = '1';

describe.skipIf(!existsSync(CLI))('baseline regression: experiment=shapes re-trained and checked with kiln test --baseline', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-baseline-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };

  it('the re-trained recipe is within the tolerance of every baseline metric', { timeout: 900_000 }, () => {
    // kiln()'s 5-minute cap is too short for 15 epochs while the other CI projects share the cores
    const t = spawnSync(process.execPath, [CLI, 'train', 'experiment=shapes', 'seed=42', 'callbacks.progress_bar=null'], {
      cwd: work,
      env: { ...process.env, INIT_CWD: work, FORCE_COLOR: '0', ...env },
      encoding: 'utf8',
      timeout: 840_000,
    });
    expect(t.status, t.stderr).toBe(0);
    const datasets = join(work, 'cache', 'datasets');
    const testCsv = join(datasets, readdirSync(datasets).find((d) => d.startsWith('shapes'))!, 'test.csv');
    const r = kiln(['test', `--input=${testCsv}`, '--output=t.csv', `--baseline=${BASELINE}`, `--tolerance=${TOLERANCE}`], work, env);
    const metrics = JSON.parse(readFileSync(join(work, 't.metrics.json'), 'utf8')).metrics as Record<string, number>;
    console.log(`shapes test metrics: accuracy ${metrics.accuracy.toFixed(4)}, macro_f1 ${metrics.macro_f1.toFixed(4)} (baseline ${BASELINE})`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/every metric within 1 points/);
  });
});
