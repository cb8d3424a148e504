import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@kiln/contracts/tf';
import { isKernelTimingBackend, nullProfiler, type Profiler } from '@kiln/contracts';
import type { Logger } from '@kiln/core';
import { buildReport, formatReport, type ProfileReport } from './profile-report';
import { SimpleProfiler } from './simple-profiler';

export type ProfilerKind = 'simple' | 'advanced';

/** `trainer.profiler` of a config's trainer node before the trainer is built (its schema checks the value later). */
export function profilerKindOf(trainerNode: unknown): ProfilerKind | null {
  const kind = (trainerNode as { profiler?: unknown } | undefined)?.profiler;
  return kind === 'simple' || kind === 'advanced' ? kind : null;
}

/** `trainer.profiler`: null → the no-op profiler (nothing timed), else a SimpleProfiler of that kind. */
export function createProfiler(kind: ProfilerKind | null | undefined): Profiler {
  return kind ? new SimpleProfiler(kind) : nullProfiler;
}

/** Turns on the backend's kernel timing for an `advanced` profiler; returns a note when it cannot. */
export function startKernelTiming(profiler: Profiler): string | undefined {
  if (!(profiler instanceof SimpleProfiler) || profiler.kind !== 'advanced') return undefined;
  const backend = tf.backend();
  if (!isKernelTimingBackend(backend)) return `the ${tf.getBackend()} backend does not time its kernels (the native backend does): no kernel table`;
  backend.resetKernelTimes();
  backend.setKernelTiming(true);
  return undefined;
}

/**
 * Ends a profiled run: the report (kernel times included for `advanced`), logged and written
 * as `profile.txt` + `profile.json` into the run directory when there is one. A no-op for
 * the null profiler. A failed write is a WARN: it must not fail a finished run.
 */
export function finishProfile(profiler: Profiler, out: { runDir?: string; logger: Logger; notes?: string[] }): ProfileReport | undefined {
  if (!(profiler instanceof SimpleProfiler)) return undefined;
  let kernels;
  if (profiler.kind === 'advanced') {
    const backend = tf.backend();
    if (isKernelTimingBackend(backend)) {
      kernels = backend.kernelTimes();
      backend.setKernelTiming(false);
    }
  }
  const report = buildReport({
    kind: profiler.kind,
    totalMs: profiler.now(),
    phases: profiler.phases(),
    marks: profiler.markTimes(),
    kernels,
    notes: out.notes,
  });
  const text = formatReport(report);
  out.logger.info(`profile:\n${text}`);
  if (out.runDir) {
    try {
      mkdirSync(out.runDir, { recursive: true });
      writeFileSync(join(out.runDir, 'profile.txt'), text);
      writeFileSync(join(out.runDir, 'profile.json'), JSON.stringify(report, null, 2) + '\n');
    } catch (err) {
      out.logger.warn(`profiler: could not write profile.txt/profile.json into ${out.runDir}: ${(err as Error).message}`);
    }
  }
  return report;
}
