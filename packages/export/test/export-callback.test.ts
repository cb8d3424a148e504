import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistries, Logger, memorySink } from '@kiln/core';
import type { TrainerView } from '@kiln/trainer';
import { ExportCallback, register } from '../src';
import { makeRun } from './fixtures';

function view(runDir: string | undefined, saveCheckpoint: (p: string) => Promise<void> = async () => {}) {
  const sink = memorySink();
  const trainer = { runDir, isGlobalZero: true, logger: new Logger({ level: 'DEBUG', sinks: [sink] }), saveCheckpoint } as unknown as TrainerView;
  return { trainer, sink };
}

describe('callbacks.export', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-export-cb-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is registered as callbacks `export` with strict options', () => {
    const registries = createRegistries(register);
    expect(registries.callbacks.get('export')).toBe(ExportCallback);
    expect(() => new ExportCallback({ formats: ['keras' as never] })).toThrow();
    expect(() => new ExportCallback({ dirr: 'x' } as never)).toThrow();
  });

  it('exports the best checkpoint as tfjs and onnx into <run>/export at fit end', async () => {
    const run = await makeRun(root, 'mlp');
    const cb = new ExportCallback();
    const { trainer, sink } = view(run);
    await cb.onFitEnd(trainer);
    expect(cb.written).toEqual([join(run, 'export', 'tfjs'), join(run, 'export', 'onnx')]);
    expect(existsSync(join(run, 'export', 'tfjs', 'model.json'))).toBe(true);
    expect(existsSync(join(run, 'export', 'onnx', 'model.onnx'))).toBe(true);
    expect(JSON.parse(readFileSync(join(run, 'export', 'onnx', 'kiln.json'), 'utf8')).source.checkpoint).toBe(join(run, 'checkpoints', 'best.ckpt'));
    expect(sink.records.filter((r) => r.level === 'ERROR')).toEqual([]);
  });

  it('without checkpoints it saves final.ckpt through the trainer and exports that', async () => {
    const src = await makeRun(root, 'simple_cnn');
    const run = join(root, 'no-ckpt');
    mkdirSync(run, { recursive: true });
    const saved: string[] = [];
    const { trainer } = view(run, async (p) => {
      saved.push(p);
      mkdirSync(join(run, 'checkpoints'), { recursive: true });
      copyFileSync(join(src, 'checkpoints', 'best.ckpt'), p);
    });
    const cb = new ExportCallback({ formats: ['onnx'], dir: join(root, 'abs-out') });
    await cb.onFitEnd(trainer);
    expect(saved).toEqual([join(run, 'checkpoints', 'final.ckpt')]);
    expect(existsSync(join(root, 'abs-out', 'onnx', 'model.onnx'))).toBe(true);
  });

  it('a failing export is logged as an ERROR (or thrown with failOnError); no run folder = nothing', async () => {
    const run = join(root, 'broken');
    mkdirSync(join(run, 'checkpoints'), { recursive: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(run, 'checkpoints', 'best.ckpt'), 'not a checkpoint');
    const { trainer, sink } = view(run);
    await new ExportCallback({ formats: ['tfjs'] }).onFitEnd(trainer);
    expect(sink.records.find((r) => r.level === 'ERROR')?.message).toMatch(/export: tfjs export of .*best\.ckpt failed: .*not a Kiln checkpoint/);
    await expect(new ExportCallback({ formats: ['tfjs'], failOnError: true }).onFitEnd(trainer)).rejects.toThrow(/not a Kiln checkpoint/);
    const none = new ExportCallback();
    await none.onFitEnd(view(undefined).trainer);
    expect(none.written).toEqual([]);
  });
});
