import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './cli';

const repo = resolve(__dirname, '../../..');
const TINY = ['data.trainPerClass=12', 'data.valPerClass=4', 'data.testPerClass=4', 'data.batchSize=16', 'trainer.maxEpochs=1', 'trainer.limitTrainBatches=2', 'callbacks=minimal'];

/** `sh <script> …` from `cwd`, as the spec runs them (no INIT_CWD: the scripts do not cd). */
function sh(script: string, args: string[], cwd: string, env: Record<string, string>) {
  const r = spawnSync('sh', [join(repo, script), ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0', INIT_CWD: '', ...env }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('entry scripts without a built CLI', () => {
  it('build it first (here a stand-in npx), then run it with the GPU ids and keep its exit code', () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-scripts-root-'));
    mkdirSync(join(root, 'tools'));
    for (const f of ['train.sh', 'test.sh', 'predict.sh', 'tools/kiln-cli.sh']) copyFileSync(join(repo, f), join(root, f));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    // the stand-in "build" writes a main.js that prints its arguments and exits 3
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh\necho "npx $*" >&2\nmkdir -p apps/cli/dist\necho 'console.log(JSON.stringify(process.argv.slice(2))); process.exitCode = 3;' > apps/cli/dist/main.js\n`,
      { mode: 0o755 },
    );
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const run = (script: string, args: string[]) => spawnSync('sh', [join(root, script), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    const first = run('train.sh', ['0,1', 'trainer.maxEpochs=1']);
    expect(first.stderr).toMatch(/building the CLI[\s\S]*npx tsc -b apps\/cli\/tsconfig\.lib\.json/);
    expect(first.status).toBe(3);
    expect(JSON.parse(first.stdout)).toEqual(['train', '--gpus=0,1', 'trainer.maxEpochs=1']);
    const again = run('test.sh', ['in.csv', 'out.csv', '2', '--batch-size=8']);
    expect(again.stderr).not.toMatch(/building/);
    expect(JSON.parse(again.stdout)).toEqual(['test', '--input=in.csv', '--output=out.csv', '--gpus=2', '--batch-size=8']);
    expect(JSON.parse(run('predict.sh', ['a b.png', 'c.png', '--topk=1']).stdout)).toEqual(['predict', '--image=a b.png', '--image=c.png', '--topk=1']);
    expect(JSON.parse(run('train.sh', ['model=mlp']).stdout)).toEqual(['train', 'model=mlp']);
  });
});

describe.skipIf(!existsSync(CLI))("the spec's entry scripts: train.sh, test.sh, predict.sh", () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-scripts-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };
  let shapesDir = '';

  beforeAll(() => {
    // sh train.sh 1,2: GPU ids positional; without a GPU backend, 2 CPU workers and a WARN
    const r = sh('train.sh', ['1,2', ...TINY], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/no usable GPU backend/);
    expect(r.stdout + r.stderr).toMatch(/2 CPU worker/);
    const datasets = join(work, 'cache', 'datasets');
    shapesDir = join(datasets, readdirSync(datasets).find((d) => d.startsWith('shapes'))!);
  });

  it('train.sh wrote the run where it was called from, with the GPU ids and overrides in its config', () => {
    const config = readFileSync(join(work, 'outputs', 'latest', 'config.yaml'), 'utf8');
    expect(config).toMatch(/devices:\s*\n\s*- 1\n\s*- 2/);
    expect(config).toMatch(/limitTrainBatches: 2/);
    expect(existsSync(join(work, 'outputs', 'latest', 'checkpoints', 'best.ckpt'))).toBe(true);
  });

  it('train.sh passes options through (--cfg) and keeps exit code 2 of a config error', () => {
    const cfg = sh('train.sh', ['--cfg', 'model=mlp'], work, env);
    expect(cfg.code, cfg.stderr).toBe(0);
    expect(cfg.stdout).toMatch(/_target_: mlp/);
    expect(cfg.stdout).toMatch(/devices: null/);
    const bad = sh('train.sh', ['0', 'trainer.maxEpoch=1'], work, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean 'maxEpochs'/);
  });

  it('sh test.sh input.csv output.csv 0 writes predictions and reports', () => {
    const input = join(work, 'input.csv');
    const rows = readFileSync(join(shapesDir, 'test.csv'), 'utf8').trim().split('\n');
    writeFileSync(input, ['path,label', ...rows.slice(1).map((l) => `${join(shapesDir, l.split(',')[0])},${l.split(',')[1]}`)].join('\n') + '\n');
    const r = sh('test.sh', ['input.csv', 'output.csv', '0'], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(work, 'output.csv'), 'utf8').split('\n')[0]).toMatch(/^path,label,prediction,confidence,/);
    expect(existsSync(join(work, 'output.metrics.json'))).toBe(true);
    expect(r.stdout).toMatch(/accuracy/);
  });

  it('test.sh exit codes: 2 for missing arguments or input, 1 for a failed --baseline', () => {
    expect(sh('test.sh', ['only.csv'], work, env).code).toBe(2);
    const missing = sh('test.sh', ['nope.csv', 'out.csv', '0'], work, env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
    writeFileSync(join(work, 'baseline.json'), JSON.stringify({ metrics: { accuracy: 1.5 } }));
    const regress = sh('test.sh', ['input.csv', 'b.csv', '--baseline=baseline.json'], work, env);
    expect(regress.code).toBe(1);
    expect(regress.stderr).toMatch(/regression: accuracy/);
  });

  it('predict.sh IMAGE prints JSON; options pass through; exit 2 without an image', () => {
    const image = join(shapesDir, readFileSync(join(shapesDir, 'test.csv'), 'utf8').split('\n')[1].split(',')[0]);
    const r = sh('predict.sh', [image, '--topk=2'], work, env);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.predictions).toHaveLength(1);
    expect(json.predictions[0].top).toHaveLength(2);
    const two = sh('predict.sh', [image, image, '--topk=1', '--gpus=0'], work, env);
    expect(two.code, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout).predictions).toHaveLength(2);
    expect(sh('predict.sh', [], work, env).code).toBe(2);
    expect(sh('predict.sh', ['--topk=2'], work, env).code).toBe(2);
  });
});
