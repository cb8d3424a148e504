import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, kiln, type CliResult } from './cli';

const VALIDATE = resolve(__dirname, '../../cli/dist/commands/validate.js');

/**
 * `kiln validate …` through the CLI once cli.ts lists the command; until then the built
 * command module is run the same way main.js would run it (exit code from run() or the error).
 */
function validate(args: string[], cwd: string, env: Record<string, string>): CliResult {
  const listed = kiln(['--help'], cwd, env).stdout.includes('validate');
  if (listed) return kiln(['validate', ...args], cwd, env);
  const script = `require(${JSON.stringify(VALIDATE)}).run(process.argv.slice(1)).then((c) => { process.exitCode = c; }, (e) => { process.stderr.write('kiln: ' + e.message + '\\n'); process.exitCode = typeof e.exitCode === 'number' ? e.exitCode : 1; });`;
  const r = spawnSync(process.execPath, ['-e', script, '--', ...args], { cwd, env: { ...process.env, INIT_CWD: cwd, FORCE_COLOR: '0', ...env }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function lastValAccuracy(runDir: string): number {
  const [header, ...rows] = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  const col = header.split(',').indexOf('val/accuracy');
  return Number(rows[rows.length - 1].split(',')[col]);
}

describe.skipIf(!existsSync(CLI) || !existsSync(VALIDATE))('kiln validate', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-validate-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };
  let runDir = '';

  beforeAll(() => {
    // a csv run whose val set is a seeded valSplit of train.csv: validate must find the same rows
    const shapes = kiln(['train', 'trainer.fastDevRun=true', 'data.trainPerClass=16', 'data.valPerClass=2', 'data.testPerClass=4'], work, env);
    expect(shapes.code, shapes.stderr).toBe(0);
    const datasets = join(work, 'cache', 'datasets');
    const shapesDir = join(datasets, readdirSync(datasets).find((d) => d.startsWith('shapes'))!);
    const r = kiln(['train', 'data=csv', `data.trainCsv=${join(shapesDir, 'train.csv')}`, 'data.valSplit=0.25', `data.testCsv=${join(shapesDir, 'test.csv')}`, 'data.batchSize=16', 'trainer.maxEpochs=1', 'callbacks=default', '~callbacks.tensorboard'], work, env);
    expect(r.code, r.stderr).toBe(0);
    runDir = join(work, 'outputs', 'latest');
  });

  it("reports the run's own val metric on its valSplit rows, with test's report files", () => {
    const r = validate([`--ckpt=${runDir}`], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/precision\s+recall\s+f1-score\s+support/);
    const metrics = JSON.parse(readFileSync(join(runDir, 'validate', 'val.metrics.json'), 'utf8'));
    // 25% of 6 × 16 = 24 rows, and the accuracy the trainer logged for the checkpointed epoch
    expect(metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(24);
    expect(metrics.metrics.accuracy).toBeCloseTo(lastValAccuracy(runDir), 6);
    for (const f of ['val.csv', 'val.input.csv', 'val.report.md', 'val.confusion.png']) expect(existsSync(join(runDir, 'validate', f)), f).toBe(true);
  });

  it('--split=test and --output use the test CSV; --baseline fails with exit 1', () => {
    const r = validate([`--ckpt=${runDir}`, '--split=test', '--output=t.csv'], work, env);
    expect(r.code, r.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(work, 't.metrics.json'), 'utf8'));
    expect(metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(24);
    writeFileSync(join(work, 'baseline.json'), JSON.stringify({ metrics: { accuracy: 1.5 } }));
    const b = validate([`--ckpt=${runDir}`, '--baseline=baseline.json', '--output=b.csv'], work, env);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/regression: accuracy/);
  });

  it("overrides apply to the run's saved config (data.valSplit=0.5 → 48 rows)", () => {
    const r = validate([`--ckpt=${runDir}`, '--output=v.csv', 'data.valSplit=0.5'], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'v.metrics.json'), 'utf8')).confusion.flat().reduce((a: number, c: number) => a + c, 0)).toBe(48);
  });

  it('usage errors exit 2: bad --split, no val split, no checkpoint', () => {
    expect(validate([`--ckpt=${runDir}`, '--split=train'], work, env).code).toBe(2);
    const none = validate([`--ckpt=${runDir}`, 'data.valSplit=null'], work, env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no validation split/);
    expect(validate(['--ckpt=nowhere'], work, env).code).toBe(2);
  });
});
