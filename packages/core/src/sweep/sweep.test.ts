import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { parseOverride } from '../config/override';
import { extractSweeperSettings, planSweep } from './sweep-plan';
import { parseSweepValue, splitTopLevel, unescapeValue } from './sweep-value';

describe('parseSweepValue', () => {
  it('single values are not sweeps: plain, quoted, lists, maps, escaped commas', () => {
    for (const v of ['1e-3', "'a,b'", '"a,b"', '[28,28]', '{a: 1, b: 2}', 'a\\,b', "it's", '${data.size}']) {
      expect(parseSweepValue(v), v).toBeUndefined();
    }
    expect(unescapeValue('a\\,b')).toBe('a,b');
    expect(unescapeValue("'a,b'")).toBe("'a,b'");
  });

  it('comma lists and choice() keep each element raw, trimmed', () => {
    expect(parseSweepValue('1e-3,3e-3')).toEqual({ kind: 'choice', values: ['1e-3', '3e-3'] });
    expect(parseSweepValue("simple_cnn, resnet ,'x,y'")).toEqual({ kind: 'choice', values: ['simple_cnn', 'resnet', "'x,y'"] });
    expect(parseSweepValue('[28,28],[32,32]')).toEqual({ kind: 'choice', values: ['[28,28]', '[32,32]'] });
    expect(parseSweepValue('choice(adam, sgd)')).toEqual({ kind: 'choice', values: ['adam', 'sgd'] });
    expect(parseSweepValue('choice(only)')).toEqual({ kind: 'choice', values: ['only'] });
    expect(parseSweepValue('a\\,b,c')).toEqual({ kind: 'choice', values: ['a,b', 'c'] });
  });

  it('range() is start-inclusive, stop-exclusive, with float steps printed cleanly', () => {
    expect(parseSweepValue('range(1,5)')).toMatchObject({ kind: 'range', values: ['1', '2', '3', '4'] });
    expect(parseSweepValue('range(0, 1, 0.1)')).toMatchObject({ values: ['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'] });
    expect(parseSweepValue('range(10,0,-5)')).toMatchObject({ values: ['10', '5'] });
    expect(parseSweepValue('range(start=2, stop=8, step=3)')).toMatchObject({ values: ['2', '5'] });
  });

  it('interval() and log_interval() parse their bounds', () => {
    expect(parseSweepValue('interval(0, 0.5)')).toEqual({ kind: 'interval', low: 0, high: 0.5, log: false });
    expect(parseSweepValue('log_interval(1e-4,1e-2)')).toEqual({ kind: 'interval', low: 1e-4, high: 1e-2, log: true });
  });

  it.each([
    ['range(1)', /needs start and stop/],
    ['range(5,1)', /empty/],
    ['range(0,1,0)', /step must not be 0/],
    ['range(a,3)', /start must be a number/],
    ['range(0,1e9)', /more than/],
    ['interval(1,1)', /low must be below high/],
    ['log_interval(0,1)', /positive bounds/],
    ['a,,b', /empty option/],
    ['a,b,', /empty option/],
    ['range(1,3),5', /cannot be one option/],
    ['choice(range(1,3))', /nested/],
    ['[1,2', /missing '\]'/],
    ["'abc", /unterminated/],
    ['range(1,3,step=1,x=2)', /unexpected argument/],
  ])('%s is a clear error', (value, pattern) => {
    expect(() => parseSweepValue(value)).toThrow(ConfigError);
    expect(() => parseSweepValue(value)).toThrow(pattern);
  });

  it('splitTopLevel ignores commas in brackets and quotes', () => {
    expect(splitTopLevel('a,[1,2],{x: 1, y: 2},"q,r",f(1,2)')).toEqual(['a', '[1,2]', '{x: 1, y: 2}', '"q,r"', 'f(1,2)']);
  });
});

describe('planSweep (grid)', () => {
  it('the cartesian product, first override slowest, fixed overrides in every job', () => {
    const plan = planSweep(['optimizer.lr=1e-3,3e-3', 'trainer.maxEpochs=1', 'model=simple_cnn,resnet']);
    expect(plan.settings.sweeper).toBe('grid');
    expect(plan.jobs.map((j) => j.overrides)).toEqual([
      ['optimizer.lr=1e-3', 'trainer.maxEpochs=1', 'model=simple_cnn'],
      ['optimizer.lr=1e-3', 'trainer.maxEpochs=1', 'model=resnet'],
      ['optimizer.lr=3e-3', 'trainer.maxEpochs=1', 'model=simple_cnn'],
      ['optimizer.lr=3e-3', 'trainer.maxEpochs=1', 'model=resnet'],
    ]);
    expect(plan.jobs[3]).toMatchObject({ index: 3, params: { 'optimizer.lr': '3e-3', model: 'resnet' } });
  });

  it('every job override is a valid single override (quotes and escapes resolved)', () => {
    const plan = planSweep(["+tag='a,b',c", 'data.batchSize=range(16,48,16)', 'name=x\\,y', '~callbacks.tensorboard']);
    expect(plan.jobs).toHaveLength(4);
    expect(plan.jobs[0].overrides).toEqual(["+tag='a,b'", 'data.batchSize=16', 'name=x,y', '~callbacks.tensorboard']);
    expect(parseOverride(plan.jobs[0].overrides[0]).value).toBe('a,b');
    expect(parseOverride(plan.jobs[3].overrides[1]).value).toBe(32);
    expect(plan.jobs[3].params).toEqual({ tag: 'c', 'data.batchSize': '32' });
  });

  it('no swept value is one job', () => {
    expect(planSweep(['trainer.maxEpochs=1']).jobs).toEqual([{ index: 0, overrides: ['trainer.maxEpochs=1'], params: {} }]);
  });

  it('refuses intervals, a swept key set twice, and huge grids', () => {
    expect(() => planSweep(['optimizer.lr=interval(0,1)'])).toThrow(/hydra\.sweeper=random/);
    expect(() => planSweep(['optimizer.lr=1,2', 'optimizer.lr=3'])).toThrow(/swept and also set/);
    expect(() => planSweep(['a=range(0,1000)', 'b=range(0,1000)'])).toThrow(/more than 10000/);
  });
});

describe('planSweep (random)', () => {
  const tokens = ['hydra.sweeper=random', 'hydra.sweeper.trials=200', 'optimizer.lr=log_interval(1e-4,1e-1)', 'model.dropout=interval(0,0.5)', 'model=simple_cnn,resnet,mlp', 'trainer.maxEpochs=1'];

  it('draws trials jobs in range; the same seed gives the same jobs, another seed others', () => {
    const plan = planSweep(tokens);
    expect(plan.settings).toEqual({ sweeper: 'random', trials: 200, seed: 0 });
    expect(plan.jobs).toHaveLength(200);
    for (const job of plan.jobs) {
      const lr = Number(job.params['optimizer.lr']);
      const p = Number(job.params['model.dropout']);
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      expect(lr).toBeLessThanOrEqual(1e-1);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(0.5);
      expect(['simple_cnn', 'resnet', 'mlp']).toContain(job.params.model);
      expect(job.overrides).toContain('trainer.maxEpochs=1');
      expect(job.overrides.some((o) => o.startsWith('hydra.'))).toBe(false);
    }
    expect(planSweep(tokens).jobs).toEqual(plan.jobs);
    expect(planSweep([...tokens, 'hydra.sweeper.seed=7']).jobs).not.toEqual(plan.jobs);
  });

  it('log_interval is log-uniform, interval uniform, choices uniform', () => {
    const jobs = planSweep([...tokens.slice(0, 1), 'hydra.sweeper.trials=3000', ...tokens.slice(2)]).jobs;
    // log-uniform over 3 decades: about a third of the draws in each decade
    const belowE3 = jobs.filter((j) => Number(j.params['optimizer.lr']) < 1e-3).length / jobs.length;
    expect(belowE3).toBeGreaterThan(0.28);
    expect(belowE3).toBeLessThan(0.39);
    const belowQuarter = jobs.filter((j) => Number(j.params['model.dropout']) < 0.25).length / jobs.length;
    expect(belowQuarter).toBeGreaterThan(0.45);
    expect(belowQuarter).toBeLessThan(0.55);
    const resnet = jobs.filter((j) => j.params.model === 'resnet').length / jobs.length;
    expect(resnet).toBeGreaterThan(0.28);
    expect(resnet).toBeLessThan(0.39);
  });

  it('sweeper settings are checked', () => {
    expect(extractSweeperSettings(['hydra.sweeper=basic', 'x=1'])).toEqual({ settings: { sweeper: 'grid', trials: 10, seed: 0 }, overrides: ['x=1'] });
    expect(planSweep(['hydra.sweep.dir=runs/sweeps', 'x=1,2']).settings.dir).toBe('runs/sweeps');
    expect(() => planSweep(['hydra.sweeper=optuna'])).toThrow(/grid \(basic\) or random/);
    expect(() => planSweep(['hydra.sweeper.trials=0'])).toThrow(/integer ≥ 1/);
    expect(() => planSweep(['hydra.sweeper.trails=3'])).toThrow(/Unknown sweeper setting/);
    expect(() => planSweep(['hydra.launcher=x'])).toThrow(/Unknown sweeper setting/);
  });
});
