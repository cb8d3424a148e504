import { z } from 'zod';
import { COMPONENT_META_KEY, type ComponentClass } from '../component';
import { COMPONENT_KINDS, type Kind } from '../kinds';
import type { Registries } from '../registry';

export type JsonSchema = Record<string, unknown>;

export const JSON_SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * JSON Schema of one component's node: `_target_: {const: name}` plus its options. `injected`
 * options are filled in when the component is built (a model's `numClasses`), so a config file
 * need not give them.
 */
export function componentJsonSchema(cls: ComponentClass, registries: Registries, injected: readonly string[] = []): JsonSchema {
  const target = { _target_: { const: cls.type } };
  const base: JsonSchema = { type: 'object', title: cls.type, ...(cls.description ? { description: cls.description } : {}) };
  if (!cls.optionsSchema) return { ...base, properties: target, required: ['_target_'], additionalProperties: true };
  const options = z.toJSONSchema(cls.optionsSchema as z.ZodType, {
    io: 'input', // defaults make a key optional for the user
    unrepresentable: 'any',
    override: (ctx) => {
      const kind = (ctx.zodSchema as unknown as z.ZodType).meta?.()?.[COMPONENT_META_KEY] as Kind | undefined;
      if (!kind) return;
      for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[k];
      Object.assign(ctx.jsonSchema, nestedComponentSchema(kind, registries));
    },
  }) as JsonSchema;
  delete options.$schema;
  dropNonFinite(options);
  const properties = { ...target, ...((options.properties as JsonSchema | undefined) ?? {}) };
  const required = ['_target_', ...((options.required as string[] | undefined) ?? []).filter((k) => !injected.includes(k))];
  const { properties: _p, required: _r, type: _t, ...rest } = options;
  return { ...base, ...rest, properties, required };
}

const BOUNDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'minLength', 'maxLength']);

/** `z.number().max(Infinity)` comes out as `"maximum": null` (or Infinity), which is not JSON Schema: drop such bounds. */
export function dropNonFinite(node: unknown): void {
  if (Array.isArray(node)) node.forEach(dropNonFinite);
  else if (typeof node === 'object' && node !== null) {
    const obj = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (BOUNDS.has(k) && (v === null || (typeof v === 'number' && !Number.isFinite(v)))) delete obj[k];
      else dropNonFinite(v);
    }
  }
}

/**
 * A nested component field: a `$ref` to that kind's file (so its options are checked too),
 * or, for a kind without components, any node with a `_target_`.
 */
function nestedComponentSchema(kind: Kind, registries: Registries): JsonSchema {
  const names = registries.of(kind).names();
  if (names.length) return { $ref: `${kind}.json`, description: `a ${kind} component: { _target_: <name>, …options }` };
  return {
    type: 'object',
    description: `a ${kind} component: { _target_: <name>, …options } (see ${kind}.json)`,
    properties: { _target_: { type: 'string' } },
    required: ['_target_'],
    additionalProperties: true,
  };
}

/** One JSON Schema per kind: a `oneOf` over its registered components (kinds with none are skipped). */
export function configJsonSchemas(registries: Registries, injected: Partial<Record<Kind, readonly string[]>> = {}): Partial<Record<Kind, JsonSchema>> {
  const out: Partial<Record<Kind, JsonSchema>> = {};
  for (const kind of COMPONENT_KINDS) {
    const registry = registries.of(kind);
    const names = registry.names();
    if (names.length === 0) continue;
    out[kind] = {
      $schema: JSON_SCHEMA_DRAFT,
      $id: `${kind}.json`,
      title: `Kiln ${kind} node`,
      description: `A ${kind} config node: '_target_' picks the component, the other keys are its options.`,
      type: 'object',
      required: ['_target_'],
      properties: { _target_: { enum: names } },
      oneOf: names.map((name) => componentJsonSchema(registry.get(name), registries, injected[kind])),
    };
  }
  return out;
}
