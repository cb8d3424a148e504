import { z, type ZodType } from 'zod';
import type { Kind } from './kinds';

// ComponentClass and ComponentContext refer to the registries and back: declared in one file
// (registry.ts) so the modules import one way only; re-exported here.
export type { ComponentClass, ComponentContext } from './registry';

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
