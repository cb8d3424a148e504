import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullProfiler } from '@kiln/contracts';
import { silentLogger } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { buildReport, formatReport, type ProfileReport } from './profile-report';
import { createProfiler, finishProfile } from './profile-session';
import { SimpleProfiler } from './simple-profiler';

/** A profiler on a hand-driven clock: durations are exact. */
function manual() {
  let t = 0;
  const p = new SimpleProfiler('simple', () => t);
  return { p, advance: (ms: number) => (t += ms) };
}

describe('SimpleProfiler', () => {
  it('accumulates count and total per phase', () => {
    const { p, advance } = manual();
    for (const ms of [10, 20, 30]) {
      p.start('step');
      advance(ms);
      p.stop('step');
    }
    expect(p.phases()).toEqual([{ path: ['step'], count: 3, totalMs: 60 }]);
  });

  it('keeps a phase nested in another apart from the same name elsewhere', () => {
    const { p, advance } = manual();
    p.phase('train_epoch', () => {
      advance(1);
      p.phase('forward', () => advance(4));
      p.phase('forward', () => advance(2));
    });
    p.phase('validation', () => p.phase('forward', () => advance(3)));
    const byPath = Object.fromEntries(p.phases().map((x) => [x.path.join('/'), [x.count, x.totalMs]]));
    expect(byPath).toEqual({ train_epoch: [1, 7], 'train_epoch/forward': [2, 6], validation: [1, 3], 'validation/forward': [1, 3] });
  });

  it('times an async phase until its promise settles, also when it rejects', async () => {
    const { p, advance } = manual();
    await p.phase('write', async () => {
      await Promise.resolve();
      advance(5);
    });
    await expect(p.phase('fail', async () => {
      advance(2);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(() => p.phase('sync-fail', () => { advance(1); throw new Error('x'); })).toThrow('x');
    expect(p.phases().map((x) => [x.path.join('/'), x.totalMs])).toEqual([['write', 5], ['fail', 2], ['sync-fail', 1]]);
  });

  it('closes phases left open inside a stopped one; an unknown stop does nothing', () => {
    const { p, advance } = manual();
    p.start('outer');
    p.start('inner');
    advance(3);
    p.stop('outer');
    p.stop('never-started');
    expect(p.phases().map((x) => [x.path.join('/'), x.totalMs])).toEqual([['outer', 3], ['outer/inner', 3]]);
  });

  it('keeps the first mark of a name', () => {
    const { p, advance } = manual();
    advance(7);
    p.mark('firstStepStart');
    advance(5);
    p.mark('firstStepStart');
    expect(p.markTimes()).toEqual({ firstStepStart: 7 });
  });
});

describe('profile report', () => {
  const report = (): ProfileReport => {
    const { p, advance } = manual();
    p.add('startup.config', 100);
    p.phase('train_epoch', () => {
      p.phase('data_wait', () => advance(50));
      p.mark('firstStepStart');
      p.phase('forward', () => advance(300));
      p.phase('backward', () => advance(400));
      p.mark('firstStepEnd');
      advance(50);
    });
    advance(100); // not in any phase
    return buildReport({ kind: 'simple', totalMs: 1000, phases: p.phases(), marks: p.markTimes() });
  };

  it('top-level percentages and the unprofiled rest sum to 100; children are shares of the run', () => {
    const r = report();
    const top = r.phases.filter((x) => x.depth === 0).reduce((s, x) => s + x.percent, 0);
    expect(top + r.unprofiledPercent).toBeCloseTo(100, 9);
    expect(r.unprofiledMs).toBe(100);
    expect(r.phases.map((x) => [x.path, x.percent])).toEqual([
      ['startup.config', 10], ['train_epoch', 80], ['train_epoch/data_wait', 5], ['train_epoch/forward', 30], ['train_epoch/backward', 40],
    ]);
    expect(r.timeToFirstStepMs).toBe(50);
    expect(r.firstStepMs).toBe(700);
  });

  it('formats a table with every phase indented under its parent', () => {
    const text = formatReport(report());
    expect(text).toMatch(/^Profiler \(simple\): 1\.000 s wall, first training step started at 0\.050 s/);
    expect(text).toMatch(/\n {2}forward +\| +300 \| +1 \| +0\.300 \| +30\.0\n/);
    expect(text).toMatch(/\(not in a phase\)/);
  });

  it('writes profile.txt and profile.json into the run directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-profile-'));
    const p = createProfiler('simple');
    p.phase('startup.model_build', () => undefined);
    const r = finishProfile(p, { runDir: dir, logger: silentLogger });
    const json = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as ProfileReport;
    expect(json.kind).toBe('simple');
    expect(json.phases.map((x) => x.path)).toEqual(['startup.model_build']);
    expect(json.totalMs).toBeCloseTo(r!.totalMs, 6);
    expect(readFileSync(join(dir, 'profile.txt'), 'utf8')).toContain('startup.model_build');
  });
});

describe('null profiler', () => {
  it('is what profiler: null gives; it runs the phase and records nothing', async () => {
    expect(createProfiler(null)).toBe(nullProfiler);
    expect(nullProfiler.enabled).toBe(false);
    expect(nullProfiler.phase('x', () => 42)).toBe(42);
    await expect(nullProfiler.phase('y', async () => 'done')).resolves.toBe('done');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-profile-'));
    expect(finishProfile(nullProfiler, { runDir: dir, logger: silentLogger })).toBeUndefined();
    expect(() => readFileSync(join(dir, 'profile.json'))).toThrow();
  });
});
