import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLine, monitorOf, readJobOutcome, type JobResult } from './job-result';
import { threadShare } from './run-multirun';
import { sortResults, summaryCsv, summaryMarkdown } from './summary';

describe('job results', () => {
  it('monitorOf finds the monitor where the config keeps it', () => {
    expect(monitorOf({ trainer: { monitor: 'val/loss' } })).toEqual({ monitor: 'val/loss', mode: undefined });
    expect(monitorOf({ monitor: 'val/f1', monitorMode: 'max', trainer: { monitor: 'x' } })).toEqual({ monitor: 'val/f1', mode: 'max' });
    expect(monitorOf({ callbacks: { model_checkpoint: { monitor: 'val/loss', mode: 'min' } } })).toEqual({ monitor: 'val/loss', mode: 'min' });
  });

  it('reads best and epochs from metrics.csv, else from the job output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-job-'));
    const out = 'INFO  epoch 0 train: …\nINFO  epoch 1 train: …\nINFO  done: best val/loss = 0.5000, checkpoint x\n';
    expect(readJobOutcome(dir, out, { trainer: { monitor: 'val/loss' } })).toEqual({ monitor: 'val/loss', mode: 'min', best: 0.5, epochs: 2 });
    writeFileSync(join(dir, 'metrics.csv'), 'epoch,step,val/loss\n0,2,0.71\n1,4,0.4321987\n2,6,0.6\n');
    expect(readJobOutcome(dir, out, { trainer: { monitor: 'val/loss' } })).toEqual({ monitor: 'val/loss', mode: 'min', best: 0.4321987, epochs: 3 });
    expect(readJobOutcome(dir, '', {})).toEqual({});
    writeFileSync(join(dir, 'result.json'), JSON.stringify({ monitor: 'val/f1', best: 0.75, epochs: 4 }));
    expect(readJobOutcome(dir, out, { trainer: { monitor: 'val/loss' } })).toEqual({ monitor: 'val/f1', mode: 'max', best: 0.75, epochs: 4 });
  });

  it('errorLine picks the kiln: line', () => {
    expect(errorLine('progress\nkiln: Invalid value at x\n\n')).toBe('Invalid value at x');
    expect(errorLine('a\nlast words\n')).toBe('last words');
  });

  it('threadShare splits the machine (or KILN_NATIVE_THREADS) evenly, at least one each', () => {
    expect(threadShare(4, { KILN_NATIVE_THREADS: '8' })).toBe(2);
    expect(threadShare(3, { KILN_NATIVE_THREADS: '8' })).toBe(2);
    expect(threadShare(16, { KILN_NATIVE_THREADS: '8' })).toBe(1);
  });
});

describe('summary', () => {
  const job = (index: number, best: number | undefined, status: 'ok' | 'failed' = 'ok', mode: 'min' | 'max' = 'max'): JobResult => ({
    index,
    dir: `/m/${index}`,
    params: { 'optimizer.lr': String(index) },
    overrides: [`optimizer.lr=${index}`, 'x=a,b'],
    status,
    exitCode: status === 'ok' ? 0 : 1,
    seconds: 1.25,
    monitor: 'val/acc',
    mode,
    best,
    epochs: best === undefined ? undefined : 2,
    ...(status === 'failed' ? { error: 'boom | bang' } : {}),
  });

  it('sorts best first in the monitor direction, value-less then failed jobs last', () => {
    const rs = [job(0, 0.5), job(1, undefined, 'failed'), job(2, 0.9), job(3, undefined), job(4, 0.7)];
    expect(sortResults(rs).map((r) => r.index)).toEqual([2, 4, 0, 3, 1]);
    const mins = [job(0, 0.5, 'ok', 'min'), job(1, 0.2, 'ok', 'min'), job(2, 0.9, 'ok', 'min')];
    expect(sortResults(mins).map((r) => r.index)).toEqual([1, 0, 2]);
  });

  it('csv quotes cells, markdown escapes pipes and rounds the monitor', () => {
    const rs = [job(0, 0.123456789), job(1, undefined, 'failed')];
    const csv = summaryCsv(rs).trim().split('\n');
    expect(csv[0]).toBe('job,status,optimizer.lr,val/acc,epochs,seconds,overrides,dir,error');
    expect(csv[1]).toBe('0,ok,0,0.123456789,2,1.3,"optimizer.lr=0 x=a,b",/m/0,');
    expect(csv[2]).toMatch(/^1,failed,1,,,1\.3,.*,boom \| bang$/);
    const md = summaryMarkdown(rs, 'Sweep t');
    expect(md).toMatch(/2 jobs, 1 ok, 1 failed; sorted by val\/acc \(max\)/);
    expect(md).toContain('| 0 | ok | 0 | 0.1235 | 2 | 1.3 |  |');
    expect(md).toContain('boom \\| bang');
  });
});
