import * as tf from '@kiln/contracts/tf';
import { isPrecisionBackend, type ComputePrecisionInfo, type ComputeType } from '@kiln/contracts';
import { KilnError, suggest, z, type Logger } from '@kiln/core';

/** Lightning's names for `trainer.precision`. */
export const PRECISIONS = ['32-true', 'bf16-mixed', '16-mixed', 'bf16-true'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Lightning's short forms (YAML and `key=value` overrides give 32 and 16 as numbers). */
export const PRECISION_ALIASES: Readonly<Record<string, Precision>> = { '32': '32-true', '16': '16-mixed', bf16: 'bf16-mixed' };

function precisionError(input: unknown): string {
  const names = [...PRECISIONS, ...Object.keys(PRECISION_ALIASES)];
  const hit = suggest(String(input), names)[0];
  return `unknown precision ${JSON.stringify(input)}${hit ? ` — did you mean '${hit}'?` : ''} Valid: ${names.join(', ')}`;
}

/** `trainer.precision`: a name or alias (an enum, so editors complete it), resolved to the name. */
export const precisionSchema = z
  .union([z.enum(PRECISIONS), z.enum(['32', '16', 'bf16']), z.literal(32), z.literal(16)], { error: (iss) => precisionError(iss.input) })
  .default('32-true')
  .transform((v): Precision => resolvePrecision(v));

/** The canonical name of a (validated) `trainer.precision` value. */
export function resolvePrecision(value: string | number | undefined): Precision {
  if (value === undefined) return '32-true';
  const s = String(value);
  if ((PRECISIONS as readonly string[]).includes(s)) return s as Precision;
  const alias = PRECISION_ALIASES[s];
  if (!alias) throw new KilnError(`trainer.precision: ${precisionError(value)}`);
  return alias;
}

/** Compute type and emulation of the backend's convs/matmuls for a precision. */
export function computeTypeOf(p: Precision, env: NodeJS.ProcessEnv = process.env): { type: ComputeType; emulate: boolean } {
  if (p === '32-true') return { type: 'fp32', emulate: false };
  // oneDNN 2.6 has no fp16 conv/matmul on CPU: 16-mixed always rounds inputs to fp16 values and computes in fp32.
  if (p === '16-mixed') return { type: 'fp16', emulate: true };
  return { type: 'bf16', emulate: env.KILN_PRECISION_EMULATE === '1' };
}

/** The run-log line that says what runs in which precision. */
export function precisionLine(p: Precision, info: ComputePrecisionInfo, distributed: boolean): string {
  const where = info.emulated ? `emulated (inputs rounded to ${info.type}, fp32 compute; oneDNN ISA ${info.isa})` : `on oneDNN ${info.isa}`;
  const allreduce = distributed ? '; gradients allreduced in fp32' : '';
  const scaler = p === '16-mixed' ? '; dynamic loss scaling' : '';
  return `precision ${p}: convs+matmuls ${info.type} ${where}, fp32 master weights/optimizer/norms/softmax/losses${scaler}${allreduce}`;
}

/**
 * Sets the backend's compute precision for a fit; returns the function that puts it back to
 * fp32 (the trainer calls it in `finally`, so test/predict/export after a fit run fp32).
 * Throws a clear error when the precision cannot run on this backend or CPU.
 */
export function enterPrecision(
  p: Precision,
  opts: { logger: Logger; distributed?: boolean; backend?: unknown; env?: NodeJS.ProcessEnv },
): () => void {
  if (p === '32-true') return () => {};
  if (p === 'bf16-true') {
    throw new KilnError(
      "trainer.precision 'bf16-true' is not supported: tfjs tensors are float32 only, so weights, activations and optimizer " +
        "state cannot be stored in bf16; use 'bf16-mixed' (bf16 convs/matmuls, fp32 weights)",
    );
  }
  const backend = opts.backend ?? tf.backend();
  if (!isPrecisionBackend(backend)) {
    throw new KilnError(
      `trainer.precision '${p}' needs a backend that runs convs/matmuls in lower precision (the native backend, ` +
        `@kiln/backend-native); the active tfjs backend '${tf.getBackend()}' computes in fp32 only. Use precision 32-true`,
    );
  }
  const { type, emulate } = computeTypeOf(p, opts.env);
  let info: ComputePrecisionInfo;
  try {
    info = backend.setComputePrecision(type, emulate);
  } catch (err) {
    throw new KilnError(`trainer.precision '${p}': ${(err as Error).message}`, { cause: err });
  }
  if (p === '16-mixed') {
    opts.logger.warn('precision 16-mixed: this CPU build (oneDNN 2.6) has no fp16 conv/matmul; fp16 is emulated (inputs rounded to fp16, fp32 compute: numerics of fp16, not its speed)');
  } else if (info.emulated) {
    opts.logger.warn('precision bf16-mixed: KILN_PRECISION_EMULATE=1: bf16 is emulated (bf16 numerics, slower than 32-true)');
  }
  opts.logger.info(precisionLine(p, info, opts.distributed ?? false));
  return () => {
    backend.setComputePrecision('fp32', false);
  };
}
