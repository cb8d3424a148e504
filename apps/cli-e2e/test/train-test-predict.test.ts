import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

// A tiny shapes set and a 2-epoch run: the whole user journey in well under a minute.
const TINY = ['data.trainPerClass=12', 'data.valPerClass=4', 'data.testPerClass=4', 'data.batchSize=16', 'trainer.maxEpochs=2'];

describe.skipIf(!existsSync(CLI))('kiln train → test → predict (built CLI)', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };
  let runDir = '';
  let shapesDir = '';

  beforeAll(() => {
    const r = kiln(['train', ...TINY], work, env);
    expect(r.code, r.stderr).toBe(0);
    runDir = join(work, 'outputs', 'latest');
    const datasets = join(work, 'cache', 'datasets');
    shapesDir = join(datasets, readdirSync(datasets).find((d) => d.startsWith('shapes'))!);
  });

  it('writes a complete run directory', () => {
    for (const f of ['config.yaml', 'overrides.yaml', 'train.log', 'classes.json', 'metrics.csv', 'checkpoints/best.ckpt', 'checkpoints/last.ckpt']) {
      expect(existsSync(join(runDir, f)), f).toBe(true);
    }
    expect(readdirSync(join(runDir, 'tensorboard')).some((f) => f.startsWith('events.out.tfevents'))).toBe(true);
    expect(readFileSync(join(runDir, 'config.yaml'), 'utf8')).toMatch(/maxEpochs: 2/);
    expect(readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(3);
  });

  it('test writes predictions in input order plus reports, and predict agrees with it', () => {
    const input = join(work, 'in.csv');
    const rows = readFileSync(join(shapesDir, 'test.csv'), 'utf8').trim().split('\n');
    // Absolute and relative image paths, a free-text column, plus one missing file that must still
    // be listed with its label and an error (issue 13, bug 6: output keeps the input as written).
    const inputRows = rows.slice(1).map((l, i) => {
      const [p, label] = l.split(',');
      const path = i % 2 ? join(shapesDir, p) : `./${relative(work, join(shapesDir, p))}`;
      return [` note ${i}, "q"`, path, label];
    });
    inputRows.splice(3, 0, ['=1+1', './missing.png', 'circle']);
    const quote = (c: string) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
    const lines = inputRows.map((r) => r.map(quote).join(','));
    writeFileSync(input, ['note,path,label', ...lines].join('\n') + '\n');
    const out = join(work, 'pred.csv');
    const r = kiln(['test', `--input=${input}`, '--output=pred.csv', '--ckpt', runDir], work, env);
    expect(r.code, r.stderr).toBe(0);
    const parsed = parse(readFileSync(out, 'utf8')) as string[][];
    const header = parsed[0];
    expect(header.slice(0, 5)).toEqual(['note', 'path', 'label', 'prediction', 'confidence']);
    expect(header.at(-1)).toBe('error');
    expect(parsed.length - 1).toBe(inputRows.length);
    expect(parsed.slice(1).map((cells) => cells.slice(0, 3))).toEqual(inputRows);
    expect(parsed[4].slice(0, 4)).toEqual(['=1+1', './missing.png', 'circle', '']);
    expect(parsed[4].at(-1)).toMatch(/missing\.png/);
    const metrics = JSON.parse(readFileSync(join(work, 'pred.metrics.json'), 'utf8'));
    expect(metrics.metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(lines.length - 1);
    for (const f of ['pred.report.md', 'pred.confusion.png']) expect(existsSync(join(work, f)), f).toBe(true);

    const first = parsed[1].slice(1);
    const p = kiln(['predict', `--image=${first[0]}`, '--topk=2', `--ckpt=${runDir}`], work, env);
    expect(p.code, p.stderr).toBe(0);
    const json = JSON.parse(p.stdout);
    expect(json.predictions[0].top).toHaveLength(2);
    expect(json.predictions[0].top[0].class).toBe(first[2]);
    expect(json.predictions[0].top[0].probability).toBeCloseTo(Number(first[3]), 4);
  });

  it('test --baseline exits 1 listing a metric that fell', () => {
    const baseline = join(work, 'baseline.json');
    writeFileSync(baseline, JSON.stringify({ metrics: { accuracy: 1.5 } }));
    const r = kiln(['test', `--input=${join(shapesDir, 'test.csv')}`, '--output=b.csv', `--baseline=${baseline}`, `--ckpt=${runDir}`], work, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/regression: accuracy/);
  });

  it("the spec's positionals: kiln test in.csv out.csv 0, cli:test's script, kiln predict IMAGE", () => {
    const r = kiln(['test', join(shapesDir, 'test.csv'), 'pos.csv', '0', `--ckpt=${runDir}`], work, env);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(join(work, 'pos.csv'), 'utf8').trim().split('\n');
    expect(rows.length).toBe(readFileSync(join(shapesDir, 'test.csv'), 'utf8').trim().split('\n').length);
    expect(existsSync(join(work, 'pos.metrics.json'))).toBe(true);
    expect(kiln(['test', 'a.csv', 'b.csv', '0', 'extra', `--ckpt=${runDir}`], work, env).stderr).toMatch(/at most 3 positional/);
    expect(kiln(['test', 'a.csv', '--input=b.csv'], work, env).stderr).toMatch(/input given twice/);
    // `nx run cli:test in.csv out.csv` runs this script with the positionals: the product command
    const script = resolve(__dirname, '../../cli/scripts/test-target.mjs');
    const t = spawnSync(process.execPath, [script, join(shapesDir, 'test.csv'), 'nx.csv', `--ckpt=${runDir}`], { cwd: work, env: { ...process.env, INIT_CWD: work, ...env }, encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    expect(readFileSync(join(work, 'nx.csv'), 'utf8')).toBe(readFileSync(join(work, 'pos.csv'), 'utf8'));
    const image = join(shapesDir, rows[1].split(',')[0]);
    const p = kiln(['predict', image, '--topk=1', `--ckpt=${runDir}`], work, env);
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).predictions[0].image).toBe(image);
  });

  it('test: a label out of range is CRITICAL with the rows named and exit 2 after writing every good row; --keep-going exits 0', () => {
    const lines = readFileSync(join(shapesDir, 'test.csv'), 'utf8').trim().split('\n');
    const [head, ...data] = lines;
    const abs = data.map((l) => { const [p, label] = l.split(','); return `${join(shapesDir, p)},${label}`; });
    abs.splice(2, 0, `${abs[0].split(',')[0]},7`, `${abs[1].split(',')[0]},-1`);
    writeFileSync(join(work, 'badlabel.csv'), [head, ...abs].join('\n') + '\n');
    const r = kiln(['test', '--input=badlabel.csv', '--output=bl.csv', `--ckpt=${runDir}`], work, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CRITICAL.*2 row\(s\) with a label the model does not know.*badlabel\.csv row \d+: label id 7 is out of range \[0, \d+\); badlabel\.csv row \d+: label id -1 /);
    const out = parse(readFileSync(join(work, 'bl.csv'), 'utf8')) as string[][];
    expect(out.length - 1).toBe(abs.length);
    expect(out.filter((c) => c[2] !== '').length - 1).toBe(data.length); // every good row predicted
    expect(out[3].at(-1)).toMatch(/out of range/);
    expect(existsSync(join(work, 'bl.metrics.json'))).toBe(true);
    const k = kiln(['test', '--input=badlabel.csv', '--output=bl2.csv', '--keep-going', `--ckpt=${runDir}`], work, env);
    expect(k.code, k.stderr).toBe(0);
    expect(k.stderr).not.toMatch(/CRITICAL/);
    expect(readFileSync(join(work, 'bl2.csv'), 'utf8')).toBe(readFileSync(join(work, 'bl.csv'), 'utf8'));
  });

  it("a user's own callback, registered through config imports, runs by name", () => {
    const plugin = join(work, 'my_plugin.js');
    writeFileSync(
      plugin,
      `const { writeFileSync } = require('node:fs');
class Marker { static type = 'marker'; onFitEnd(t) { writeFileSync(require('node:path').join(t.runDir, 'marker.txt'), 'epoch ' + t.epoch); } }
exports.register = (r) => r.callbacks.register(Marker, 'my-plugin');\n`,
    );
    const r = kiln(['train', ...TINY, 'trainer.maxEpochs=1', 'imports=[./my_plugin.js]', 'callbacks=none', '+callbacks.mine={_target_: marker}'], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(work, 'outputs', 'latest', 'marker.txt'), 'utf8')).toMatch(/^epoch/);
  });

  it('--gpus on a machine without a GPU backend trains with CPU workers and a WARN', () => {
    const r = kiln(['train', '--gpus=1,2', ...TINY, 'trainer.maxEpochs=1', 'callbacks=minimal'], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/no usable GPU backend/);
    expect(r.stderr + r.stdout).toMatch(/2 CPU worker/);
  });
});

describe.skipIf(!existsSync(CLI))('kiln usage errors', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-usage-'));

  it('prints the resolved config with overrides (--cfg)', () => {
    const r = kiln(['train', '--gpus=1,2', '--cfg', 'trainer.maxEpochs=3', 'model=simple_cnn'], work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/maxEpochs: 3/);
    expect(r.stdout).toMatch(/_target_: simple_cnn/);
    expect(r.stdout).toMatch(/devices:\s*\n\s*- 1\n\s*- 2/);
  });
  it('a misspelled key exits 2 with "did you mean" and the path', () => {
    const r = kiln(['train', '--cfg', 'trainer.maxEpoch=3'], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/trainer\.maxEpoch.*did you mean 'maxEpochs'/);
  });
  it('bad --gpus, missing --input and missing checkpoint exit 2 with one line', () => {
    for (const [args, pattern] of [
      [['train', '--gpus=1,1'], /listed twice/],
      [['train', '--gpus=a'], /--gpus/],
      [['test', '--output=x.csv'], /--input/],
      [['test', '--input=nope.csv', '--output=x.csv'], /does not exist/],
      [['predict', `--image=${CLI}`], /no checkpoint found/],
      [['frobnicate'], /unknown command/],
    ] as const) {
      const r = kiln([...args], work);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});

describe.skipIf(!existsSync(CLI))('reference experiments compose', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-exp-'));
  it.each([
    ['shapes', /_target_: shapes/],
    ['fashion_mnist', /channels: 1/],
    ['cifar10', /_target_: resnet/],
  ])('experiment=%s', (name, pattern) => {
    const r = kiln(['train', '--cfg', `experiment=${name}`], work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });
});
