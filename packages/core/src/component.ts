import { z, type ZodType } from 'zod';
import type { ComponentContext, InjectSpec } from './injection';
import type { Kind } from './kinds';

export type { ComponentContext } from './injection';

/**
 * A registrable component: a class with a stable `type` name (the `_target_` users
 * write) and an options schema that validates its constructor options.
 */
export interface ComponentClass<T = unknown, O = any> {
  readonly type: string;
  /** Zod schema of the options; use `z.object({...}).strict()` so unknown keys are caught. */
  readonly optionsSchema?: ZodType<O>;
  /** One-line description shown in listings and JSON Schema. */
  readonly description?: string;
  /** Run services to inject (name → token); default: every run service. See `RunContainer`. */
  readonly inject?: InjectSpec;
  new (options: O, context?: ComponentContext): T;
}

/** Metadata key marking a schema field as a nested component of a given kind. */
export const COMPONENT_META_KEY = 'kilnComponentKind';

/**
 * Schema for an option that holds a nested component (`processor: {_target_: image, …}`).
 * The builder builds the node first (the kind tells it which registry to use), so the
 * parent's validation sees the instance.
 */
export function componentRef<T = unknown>(kind: Kind): ZodType<T> {
  return z
    .custom<T>((v) => typeof v === 'object' && v !== null, { message: `expected a ${kind} component` })
    .meta({ [COMPONENT_META_KEY]: kind, description: `a ${kind} component: { _target_: <name>, …options }` });
}

/** Reads the component kind from a field schema, looking through optional/default/nullable/array wrappers. */
export function componentKindOf(schema: unknown): Kind | undefined {
  let s = schema as ZodType | undefined;
  for (let i = 0; i < 8 && s; i++) {
    const meta = s.meta?.() as Record<string, unknown> | undefined;
    if (meta && typeof meta[COMPONENT_META_KEY] === 'string') return meta[COMPONENT_META_KEY] as Kind;
    const def = (s as unknown as { def: { type: string; innerType?: ZodType; element?: ZodType } }).def;
    s = def.innerType ?? def.element;
  }
  return undefined;
}
