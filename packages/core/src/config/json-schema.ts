import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../atomic-write';
import { COMPONENT_META_KEY, type ComponentClass } from '../component';
import { COMPONENT_KINDS, type Kind } from '../kinds';
import { LOG_LEVELS } from '../logger';
import type { Registries } from '../registry';

export type JsonSchema = Record<string, unknown>;

export const JSON_SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** JSON Schema of one component's node: `_target_: {const: name}` plus its options. */
export function componentJsonSchema(cls: ComponentClass, registries: Registries): JsonSchema {
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
  const required = ['_target_', ...((options.required as string[] | undefined) ?? [])];
  const { properties: _p, required: _r, type: _t, ...rest } = options;
  return { ...base, ...rest, properties, required };
}

const BOUNDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'minLength', 'maxLength']);

/** `z.number().max(Infinity)` comes out as `"maximum": null` (or Infinity), which is not JSON Schema: drop such bounds. */
function dropNonFinite(node: unknown): void {
  if (Array.isArray(node)) node.forEach(dropNonFinite);
  else if (typeof node === 'object' && node !== null) {
    const obj = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (BOUNDS.has(k) && (v === null || (typeof v === 'number' && !Number.isFinite(v)))) delete obj[k];
      else dropNonFinite(v);
    }
  }
}

/** A nested component field: any node whose `_target_` is a registered name of that kind. */
function nestedComponentSchema(kind: Kind, registries: Registries): JsonSchema {
  const names = registries.of(kind).names();
  return {
    type: 'object',
    description: `a ${kind} component: { _target_: <name>, …options } (see ${kind}.json)`,
    properties: { _target_: names.length ? { enum: names } : { type: 'string' } },
    required: ['_target_'],
    additionalProperties: true,
  };
}

/** One JSON Schema per kind: a `oneOf` over its registered components (kinds with none are skipped). */
export function configJsonSchemas(registries: Registries): Partial<Record<Kind, JsonSchema>> {
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
      oneOf: names.map((name) => componentJsonSchema(registry.get(name), registries)),
    };
  }
  return out;
}

/** Top-level config key → the kind of its node (`callbacks` is a map name → node). */
const TRAIN_KEYS: Record<string, Kind> = {
  data: 'datasets',
  model: 'models',
  loss: 'losses',
  optimizer: 'optimizers',
  scheduler: 'schedulers',
  trainer: 'trainers',
};

/**
 * Schema of a whole composed config (`train.json`): the component keys point at the per-kind
 * files, core's own keys are spelled out, anything else (trainer options, experiment keys) is open.
 */
export function trainConfigJsonSchema(kinds: readonly Kind[]): JsonSchema {
  const ref = (kind: Kind) => ({ $ref: `${kind}.json` });
  const properties: Record<string, unknown> = {
    seed: { type: 'integer', description: 'seed of every random stream' },
    engine: {
      type: 'object',
      properties: {
        backend: { enum: ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] },
        devices: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1 }, { type: 'array', items: { type: 'integer', minimum: 0 } }] },
      },
    },
    run: { type: 'object', properties: { root: { type: 'string' } } },
    logger: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { enum: [...LOG_LEVELS] }, file: { type: ['string', 'null'] } },
    },
  };
  for (const [key, kind] of Object.entries(TRAIN_KEYS)) if (kinds.includes(kind)) properties[key] = { anyOf: [ref(kind), { type: 'null' }] };
  if (kinds.includes('callbacks')) {
    properties.callbacks = { type: ['object', 'null'], additionalProperties: { anyOf: [ref('callbacks'), { type: 'null' }] } };
  }
  return { $schema: JSON_SCHEMA_DRAFT, $id: 'train.json', title: 'Kiln training config', type: 'object', properties };
}

/** Writes `<outDir>/<kind>.json` for every kind with components, plus `train.json`; returns the written paths. */
export function writeConfigSchemas(registries: Registries, outDir: string): string[] {
  const written: string[] = [];
  const schemas = configJsonSchemas(registries);
  const files: Array<[string, JsonSchema]> = [
    ...Object.entries(schemas).map(([kind, schema]): [string, JsonSchema] => [`${kind}.json`, schema]),
    ['train.json', trainConfigJsonSchema(Object.keys(schemas) as Kind[])],
  ];
  for (const [name, schema] of files) {
    const path = join(outDir, name);
    writeFileAtomicSync(path, JSON.stringify(schema, null, 2) + '\n');
    written.push(path);
  }
  return written;
}
