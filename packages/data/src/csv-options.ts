import { resolveUserPath, z } from '@kiln/core';
import { loaderOptionsShape } from './loader-options';

const columnSchema = z.union([z.string().min(1), z.number().int().nonnegative()]);

export const csvOptionsSchema = z
  .object({
    trainCsv: z.string().nullable().default(null).describe('training CSV (required for fit)'),
    valCsv: z.string().nullable().default(null).describe('validation CSV'),
    valSplit: z.number().min(0).lt(1).nullable().default(null).describe('or: stratified fraction of trainCsv'),
    testCsv: z.string().nullable().default(null).describe('test CSV (labels optional)'),
    classes: z.array(z.string()).nullable().default(null).describe('class names; default: inferred from trainCsv'),
    pathColumn: columnSchema.default('path'),
    labelColumn: columnSchema.default('label'),
    imageRoot: z.string().nullable().default(null).describe("folder image paths are relative to (default: the CSV's)"),
    allowOutsideRoot: z.boolean().default(false).describe('allow absolute paths and ../ outside the root'),
    ...loaderOptionsShape,
  })
  .strict();

export type CsvDataModuleOptions = z.input<typeof csvOptionsSchema>;
export type CsvParsedOptions = z.output<typeof csvOptionsSchema>;

/** Relative option paths resolve by Kiln's one path rule (core's `resolveUserPath`). */
export const fromCwd = resolveUserPath;

/** A processor node written by hand may carry `_target_`; the processor's own options do not. */
export function stripTarget(node: unknown): Record<string, unknown> {
  const { _target_: _ignored, ...rest } = (node ?? {}) as Record<string, unknown>;
  return rest;
}
