import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLI, kiln, type CliResult } from './cli';

const TUNE = resolve(__dirname, '../../cli/dist/commands/tune.js');

/**
 * `kiln tune …` through the CLI once cli.ts lists the command; until then the built command
 * module is run the way main.js runs a command (exit code from run() or from the error).
 */
function tune(args: string[], cwd: string, env: Record<string, string>): CliResult {
  const listed = kiln(['--help'], cwd, env).stdout.includes('tune');
  if (listed) return kiln(['tune', ...args], cwd, env);
  const script = `require(${JSON.stringify(TUNE)}).run(process.argv.slice(1)).then((c) => { process.exitCode = c; }, (e) => { process.stderr.write('kiln: ' + e.message + '\\n'); process.exitCode = typeof e.exitCode === 'number' ? e.exitCode : 1; });`;
  const r = spawnSync(process.execPath, ['-e', script, '--', ...args], { cwd, env: { ...process.env, INIT_CWD: cwd, FORCE_COLOR: '0', ...env }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// 120 training images: big enough for a sweep, small enough for seconds per run.
const TINY = ['data.trainPerClass=20', 'data.valPerClass=2', 'data.testPerClass=2', 'data.batchSize=16'];

describe.skipIf(!existsSync(CLI) || !existsSync(TUNE))('kiln tune', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-tune-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };

  it('tune lr: sweeps, plots, prints and writes an override that train accepts', () => {
    const r = tune(['lr', '--steps=40', '--min-lr=1e-6', '--max-lr=10', ...TINY, 'model=mlp'], work, env);
    expect(r.code, r.stderr).toBe(0);
    const override = r.stdout.trim().split('\n').pop()!;
    expect(override).toMatch(/^optimizer\.lr=\d(\.\d)?e-?\d+$/);
    const out = join(work, 'outputs', 'tune');
    expect(readFileSync(join(out, 'lr_find.txt'), 'utf8')).toBe(override + '\n');
    const json = JSON.parse(readFileSync(join(out, 'lr_find.json'), 'utf8'));
    expect(json.points.length).toBeGreaterThan(10);
    expect(json.points.length).toBeLessThanOrEqual(40);
    expect(json.points[0].lr).toBeCloseTo(1e-6, 12);
    expect(json.suggestion).toBeGreaterThan(1e-6);
    expect(json.suggestion).toBeLessThan(10);
    expect(json.override).toBe(override);
    // nothing of a run is left behind: no run folder, no checkpoint
    expect(existsSync(join(work, 'outputs', 'latest'))).toBe(false);
    const cfg = kiln(['train', '--cfg', override], work, env);
    expect(cfg.code, cfg.stderr).toBe(0);
    expect(cfg.stdout).toContain(`lr: ${Number(override.split('=')[1])}`);
  });

  it('tune lr writes a real PNG plot', async () => {
    const meta = await sharp(join(work, 'outputs', 'tune', 'lr_find.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 720, 440]);
  });

  it('tune batch-size: the training split bounds the search without a memory limit', () => {
    const r = tune(['batch-size', '--steps=1', `--out=${join(work, 'bs')}`, ...TINY, 'model=mlp'], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/largest batch that fits: 120 \(stopped by the search limit 120\)\ndata\.batchSize=120\n$/);
    expect(readFileSync(join(work, 'bs', 'batch_size.txt'), 'utf8')).toBe('data.batchSize=120\n');
  });

  it('tune batch-size under a simulated memory limit: doubles, bisects, is deterministic and grows with the limit', () => {
    const run = (mb: string, out: string) => {
      const r = tune(['batch-size', '--steps=2', `--out=${join(work, out)}`, ...TINY, 'model=mlp'], work, { ...env, KILN_TUNE_MEMORY_LIMIT_MB: mb });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/KILN_TUNE_MEMORY_LIMIT_MB=/);
      return JSON.parse(readFileSync(join(work, out, 'batch_size.json'), 'utf8'));
    };
    const a = run('14', 'cap-a');
    const again = run('14', 'cap-a2');
    const b = run('15', 'cap-b');
    expect(a.batchSize).toBeGreaterThan(2);
    expect(a.batchSize).toBeLessThan(120);
    expect(a.firstFailure).toBe(a.batchSize + 1);
    expect(again.batchSize).toBe(a.batchSize);
    expect(b.batchSize).toBeGreaterThan(a.batchSize);
    const sizes = a.trials.map((t: { batchSize: number }) => t.batchSize);
    expect(sizes.slice(0, 2)).toEqual([2, 4]);
    expect(a.trials.filter((t: { fits: boolean }) => !t.fits)[0].error).toMatch(/simulated/);
  });

  it('usage errors exit 2 with one line', () => {
    for (const args of [[], ['bogus'], ['lr', '--max-lr=1e-9'], ['lr', '--steps=5000'], ['lr', '--nope=1'], ['batch-size', '--init=64', '--max=8']]) {
      const r = tune(args, work, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
