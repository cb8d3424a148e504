import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '@kiln/core';
import type { ComputePrecisionInfo, ComputeType, PrecisionBackend } from '@kiln/contracts';
import { enterPrecision, precisionLine, PRECISIONS, resolvePrecision } from './precision';
import { trainerOptionsSchema } from './trainer-options';

/** A backend that records what it is set to; `bf16` false = a CPU without AVX512-BF16/AMX. */
function fakeBackend(bf16: boolean): PrecisionBackend & { calls: Array<[ComputeType, boolean]> } {
  let cur: ComputePrecisionInfo = { type: 'fp32', emulated: false, isa: bf16 ? 'avx512_core_amx' : 'avx2', bf16, amx: bf16 };
  const calls: Array<[ComputeType, boolean]> = [];
  return {
    calls,
    setComputePrecision(type, emulate) {
      calls.push([type, emulate]);
      if (type === 'bf16' && !emulate && !bf16) throw new Error('bf16 compute needs a CPU with AVX512-BF16 or AMX; this CPU\'s oneDNN ISA is avx2');
      cur = { ...cur, type, emulated: emulate };
      return cur;
    },
    computePrecision: () => cur,
  };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { ...silentLogger, lines, info: log('INFO'), warn: log('WARN') } as Logger & { lines: string[] };
}

describe('trainer.precision option', () => {
  it.each([
    ['32-true', '32-true'], [32, '32-true'], ['32', '32-true'], ['16', '16-mixed'], [16, '16-mixed'],
    ['bf16', 'bf16-mixed'], ['bf16-mixed', 'bf16-mixed'], ['16-mixed', '16-mixed'], ['bf16-true', 'bf16-true'],
  ])('%s → %s', (given, want) => {
    expect(trainerOptionsSchema.parse({ precision: given }).precision).toBe(want);
    expect(resolvePrecision(given)).toBe(want);
  });

  it('defaults to 32-true', () => {
    expect(trainerOptionsSchema.parse({}).precision).toBe('32-true');
  });

  it('an unknown value names the closest', () => {
    const r = trainerOptionsSchema.safeParse({ precision: 'bf16-mix' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/did you mean 'bf16-mixed'/);
    expect(() => resolvePrecision('fp64')).toThrow(/unknown precision "fp64".*32-true/);
  });

  it('lists Lightning\'s four names', () => {
    expect([...PRECISIONS]).toEqual(['32-true', 'bf16-mixed', '16-mixed', 'bf16-true']);
  });
});

describe('enterPrecision', () => {
  it('bf16-mixed sets bf16 on the backend, logs what runs, and restore() puts fp32 back', () => {
    const b = fakeBackend(true);
    const log = recordingLogger();
    const restore = enterPrecision('bf16-mixed', { logger: log, distributed: true, backend: b });
    expect(b.calls).toEqual([['bf16', false]]);
    expect(log.lines.join('\n')).toMatch(/INFO precision bf16-mixed: convs\+matmuls bf16 on oneDNN avx512_core_amx.*gradients allreduced in fp32/);
    restore();
    expect(b.computePrecision().type).toBe('fp32');
  });

  it('32-true leaves the backend alone', () => {
    const b = fakeBackend(true);
    enterPrecision('32-true', { logger: silentLogger, backend: b })();
    expect(b.calls).toEqual([]);
  });

  it('a CPU without bf16 instructions: a clear error naming what it lacks, not a silent fp32 run', () => {
    const b = fakeBackend(false);
    expect(() => enterPrecision('bf16-mixed', { logger: silentLogger, backend: b })).toThrow(/trainer.precision 'bf16-mixed': bf16 compute needs a CPU with AVX512-BF16 or AMX.*avx2/);
  });

  it('16-mixed runs the emulated fp16 path and says so', () => {
    const b = fakeBackend(true);
    const log = recordingLogger();
    enterPrecision('16-mixed', { logger: log, backend: b });
    expect(b.calls).toEqual([['fp16', true]]);
    expect(log.lines.join('\n')).toMatch(/WARN precision 16-mixed: .*emulated/);
    expect(log.lines.join('\n')).toMatch(/dynamic loss scaling/);
  });

  it('bf16-true is refused with the reason and the way out', () => {
    expect(() => enterPrecision('bf16-true', { logger: silentLogger, backend: fakeBackend(true) })).toThrow(/not supported: tfjs tensors are float32.*bf16-mixed/);
  });

  it('a backend without lower precision (plain tfjs cpu) is refused for bf16', () => {
    expect(() => enterPrecision('bf16-mixed', { logger: silentLogger, backend: {} })).toThrow(/needs a backend that runs convs\/matmuls in lower precision/);
  });

  it('the log line says when bf16 is emulated', () => {
    const line = precisionLine('bf16-mixed', { type: 'bf16', emulated: true, isa: 'avx2', bf16: false, amx: false }, false);
    expect(line).toMatch(/emulated \(inputs rounded to bf16/);
    expect(line).not.toMatch(/allreduced/);
  });
});
