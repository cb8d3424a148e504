import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../atomic-write';
import type { Kind } from '../kinds';
import { loggerConfigSchema } from '../logger-config';
import type { Registries } from '../registry';
import { configJsonSchemas, dropNonFinite, JSON_SCHEMA_DRAFT, type JsonSchema } from './json-schema';

// The schema files of a config folder: the root (train.json), experiments, closed sections
// (trainer, logger, engine, run) and group wrappers, around the per-kind files of json-schema.ts.

/** Top-level config key → the kind of its node (`callbacks` is a map name → node). */
const TRAIN_KEYS: Record<string, Kind> = {
  data: 'datasets',
  model: 'models',
  loss: 'losses',
  optimizer: 'optimizers',
  scheduler: 'schedulers',
};

/** A closed config section that is not a component (`trainer:`, `engine:`): its own `<key>.json`. */
export interface SectionSpec {
  /** zod (converted with defaults) or ready JSON Schema. */
  schema: z.ZodType | JsonSchema;
  description?: string;
  /** A `_target_` the section may name (`trainer`), optional in the file. */
  target?: string;
  /** Descriptions for properties that have none in `schema`. */
  descriptions?: Record<string, string>;
}

export interface ConfigSchemaOptions {
  /**
   * Sections beyond core's own (`logger`, `run`, and a permissive `engine`), e.g.
   * `{ trainer: { schema: trainerOptionsSchema, target: 'trainer' } }`. A key here replaces core's.
   */
  sections?: Record<string, SectionSpec>;
  /** Options each kind's components receive at build time, optional in files: `{ models: ['numClasses', 'inputShape'] }`. */
  injected?: Partial<Record<Kind, readonly string[]>>;
}

/** Config group folder → the schema file its option files follow (the `$schema` line of each file). */
export const GROUP_SCHEMA_FILES: Record<string, string> = {
  data: 'datasets.json',
  model: 'models.json',
  loss: 'losses.json',
  optimizer: 'optimizers.json',
  scheduler: 'scheduler.json',
  augmentation: 'transforms.json',
  callbacks: 'callbacks-group.json',
  trainer: 'trainer.json',
  logger: 'logger.json',
  experiment: 'experiment.json',
};
/** The primary config's schema file. */
export const ROOT_SCHEMA_FILE = 'train.json';

const CORE_SECTIONS: Record<string, SectionSpec> = {
  logger: {
    schema: loggerConfigSchema,
    description: 'console and run-directory log file (configs/logger/)',
    descriptions: { level: 'lowest level printed: DEBUG | INFO | WARN | ERROR | CRITICAL', file: 'log file relative to the run directory (absolute paths kept); null = console only' },
  },
  run: {
    schema: z.object({ root: z.string().min(1).default('outputs') }).strict(),
    description: 'where runs are written',
    descriptions: { root: 'parent of the dated run folders <root>/<YYYY-MM-DD>/<HH-MM-SS>/ (relative to where kiln runs)' },
  },
  engine: {
    schema: z.object({ backend: z.string().default('auto') }).strict(),
    description: 'compute backend (devices: trainer.devices / --gpus / --workers)',
    descriptions: { backend: 'tfjs backend: auto picks the fastest available' },
  },
};

function sectionJsonSchema(key: string, spec: SectionSpec): JsonSchema {
  const raw = spec.schema instanceof z.ZodType ? (z.toJSONSchema(spec.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema) : structuredClone(spec.schema);
  delete raw.$schema;
  dropNonFinite(raw);
  const properties = { ...((raw.properties as Record<string, JsonSchema> | undefined) ?? {}) };
  for (const [name, text] of Object.entries(spec.descriptions ?? {})) {
    if (properties[name] && properties[name].description === undefined) properties[name] = { description: text, ...properties[name] };
  }
  if (spec.target) properties._target_ = { const: spec.target, description: `optional: the ${key} component (only '${spec.target}')` };
  return {
    $schema: JSON_SCHEMA_DRAFT,
    $id: `${key}.json`,
    title: `Kiln ${key} config`,
    ...(spec.description ? { description: spec.description } : {}),
    ...raw,
    properties,
  };
}

/** `defaults:` of a primary, experiment or group file (Hydra's defaults list). */
const DEFAULTS_LIST: JsonSchema = {
  type: 'array',
  description: "the defaults list: `- group: option`, `- override /group: option`, `- optional group: option`, `- _self_`",
  items: {
    anyOf: [
      { type: 'string', description: "'_self_' or another option of this group" },
      { type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: { type: ['string', 'null'] } },
    ],
  },
};

function rootProperties(kinds: readonly Kind[], sections: readonly string[]): Record<string, unknown> {
  const ref = (file: string) => ({ $ref: file });
  const properties: Record<string, unknown> = {
    defaults: DEFAULTS_LIST,
    seed: { type: 'integer', default: 0, description: 'seed of every random stream (shuffling, augmentation, initialisation)' },
    imports: {
      type: 'array',
      default: [],
      items: { type: 'string', minLength: 1 },
      description: 'your modules exporting register(registries): paths relative to where kiln runs, or package names',
    },
  };
  for (const key of sections) properties[key] = ref(`${key}.json`);
  for (const [key, kind] of Object.entries(TRAIN_KEYS)) {
    if (kinds.includes(kind)) properties[key] = { anyOf: [ref(`${kind}.json`), { type: 'null' }], description: `a ${kind} node (configs/${key}/)` };
  }
  if (kinds.includes('callbacks')) properties.callbacks = ref('callbacks-group.json');
  return properties;
}

/**
 * Schema of a whole composed config (`train.json`): closed at the top level; component keys
 * point at the per-kind files, sections (trainer, logger, engine, run) at their own files.
 */
export function trainConfigJsonSchema(kinds: readonly Kind[], sections: readonly string[] = Object.keys(CORE_SECTIONS)): JsonSchema {
  return {
    $schema: JSON_SCHEMA_DRAFT,
    $id: ROOT_SCHEMA_FILE,
    title: 'Kiln training config',
    description: 'configs/train.yaml and a composed run config (config.yaml of a run folder)',
    type: 'object',
    properties: rootProperties(kinds, sections),
    additionalProperties: false,
  };
}

/**
 * Deep copy without `required` (and `oneOf` loosened to `anyOf`): the schema of a partial node
 * that merges onto a full one. `$ref: '<kind>.json'` becomes `#/$defs/<kind>` (the partial copy).
 */
export function partialJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(partialJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'required' || k === '$schema' || k === '$id') continue;
    if (k === '$ref' && typeof v === 'string' && /^[a-z-]+\.json$/.test(v)) out.$ref = `#/$defs/${v.slice(0, -5)}`;
    else out[k === 'oneOf' ? 'anyOf' : k] = partialJsonSchema(v);
  }
  return out;
}

/**
 * `experiment.json`: an experiment (`# @package _global_`) merges onto the composed config,
 * so its nodes are partial (no key required, `_target_` optional) but still closed: a key no
 * component (or section) has is an error.
 */
export function experimentJsonSchema(kindSchemas: Partial<Record<Kind, JsonSchema>>, sectionSchemas: Record<string, JsonSchema>): JsonSchema {
  const properties: Record<string, unknown> = { ...rootProperties([], []) };
  const defs = Object.fromEntries(Object.entries(kindSchemas).map(([kind, s]) => [kind, partialJsonSchema(strip(s!))]));
  for (const [key, schema] of Object.entries(sectionSchemas)) properties[key] = partialJsonSchema(strip(schema));
  for (const [key, kind] of Object.entries(TRAIN_KEYS)) {
    if (kindSchemas[kind]) properties[key] = { anyOf: [{ $ref: `#/$defs/${kind}` }, { type: 'null' }] };
  }
  if (kindSchemas.callbacks) {
    properties.callbacks = { type: ['object', 'null'], additionalProperties: { anyOf: [{ $ref: '#/$defs/callbacks' }, { type: 'null' }] } };
  }
  return {
    $schema: JSON_SCHEMA_DRAFT,
    $id: 'experiment.json',
    title: 'Kiln experiment config',
    description: "configs/experiment/<name>.yaml ('# @package _global_'): partial nodes merged onto the composed config",
    type: 'object',
    properties,
    additionalProperties: false,
    $defs: defs,
  };
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, title: _t, ...rest } = schema;
  return rest;
}

/** Group-file wrappers whose form differs from one node: the nullable scheduler and the callbacks map. */
function groupWrappers(kinds: readonly Kind[]): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [];
  if (kinds.includes('schedulers')) {
    out.push(['scheduler.json', { $schema: JSON_SCHEMA_DRAFT, $id: 'scheduler.json', title: 'Kiln scheduler option', description: 'a schedulers node, or null for a constant learning rate', anyOf: [{ $ref: 'schedulers.json' }, { type: 'null' }] }]);
  }
  if (kinds.includes('callbacks')) {
    out.push([
      'callbacks-group.json',
      {
        $schema: JSON_SCHEMA_DRAFT,
        $id: 'callbacks-group.json',
        title: 'Kiln callbacks',
        description: 'callbacks by name, called in this order; null removes one',
        type: ['object', 'null'],
        additionalProperties: { anyOf: [{ $ref: 'callbacks.json' }, { type: 'null' }] },
      },
    ]);
  }
  return out;
}

/** Every schema file by name: `<kind>.json`, sections, group wrappers, `experiment.json`, `train.json`. */
export function allConfigSchemas(registries: Registries, options: ConfigSchemaOptions = {}): Record<string, JsonSchema> {
  const kinds = configJsonSchemas(registries, options.injected);
  const sectionSpecs = { ...CORE_SECTIONS, ...(options.sections ?? {}) };
  const sections = Object.fromEntries(Object.entries(sectionSpecs).map(([key, spec]) => [key, sectionJsonSchema(key, spec)]));
  const kindList = Object.keys(kinds) as Kind[];
  const files: Record<string, JsonSchema> = {};
  for (const [kind, schema] of Object.entries(kinds)) files[`${kind}.json`] = schema!;
  for (const [key, schema] of Object.entries(sections)) files[`${key}.json`] = schema;
  for (const [name, schema] of groupWrappers(kindList)) files[name] = schema;
  files['experiment.json'] = experimentJsonSchema(kinds, sections);
  files[ROOT_SCHEMA_FILE] = trainConfigJsonSchema(kindList, Object.keys(sections));
  return files;
}

/** Writes every schema file (see `allConfigSchemas`) into `outDir`; returns the written paths. */
export function writeConfigSchemas(registries: Registries, outDir: string, options: ConfigSchemaOptions = {}): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(allConfigSchemas(registries, options)).map(([name, schema]) => {
    const path = join(outDir, name);
    writeFileAtomicSync(path, JSON.stringify(schema, null, 2) + '\n');
    return path;
  });
}
