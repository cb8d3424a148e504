import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { componentRef } from '../component';
import { createRegistries, type Registries } from '../registry';
import { configJsonSchemas, JSON_SCHEMA_DRAFT, trainConfigJsonSchema, writeConfigSchemas } from './json-schema';

class ImageProcessor {
  static readonly type = 'image';
  static readonly optionsSchema = z.object({ size: z.array(z.number().int()).length(2), channels: z.union([z.literal(1), z.literal(3)]).default(3) }).strict();
  constructor(readonly options: unknown) {}
}
class Flip {
  static readonly type = 'flip';
  static readonly optionsSchema = z.object({ p: z.number().min(0).max(1).default(0.5) }).strict();
  constructor(readonly options: unknown) {}
}
class Shapes {
  static readonly type = 'shapes';
  static readonly description = 'Synthetic shapes';
  static readonly optionsSchema = z
    .object({
      batchSize: z.number().int().positive(),
      processor: componentRef('processors'),
      augment: z.array(componentRef('transforms')).default([]),
    })
    .strict();
  constructor(readonly options: unknown) {}
}
class Bounded {
  static readonly type = 'bounded';
  static readonly optionsSchema = z.object({ p: z.number().min(0).max(Infinity) }).strict();
  constructor(readonly options: unknown) {}
}
class Loose {
  static readonly type = 'loose';
  constructor(readonly options: unknown) {}
}

function fakeRegistries(): Registries {
  return createRegistries((r) => {
    r.processors.register(ImageProcessor, 'test');
    r.transforms.register(Flip, 'test');
    r.transforms.register(Bounded, 'test');
    r.datasets.register(Shapes, 'test');
    r.datasets.register(Loose, 'test');
  });
}

describe('configJsonSchemas', () => {
  const schemas = configJsonSchemas(fakeRegistries());

  it('has one schema per kind with components', () => {
    expect(Object.keys(schemas).sort()).toEqual(['datasets', 'processors', 'transforms']);
    expect(schemas.datasets).toMatchObject({ $schema: JSON_SCHEMA_DRAFT, $id: 'datasets.json', properties: { _target_: { enum: ['loose', 'shapes'] } } });
  });

  it('oneOf over components with _target_ const and zod properties (input view: defaults optional)', () => {
    const oneOf = schemas.datasets!.oneOf as any[];
    expect(oneOf.map((s) => s.properties._target_)).toEqual([{ const: 'loose' }, { const: 'shapes' }]);
    const shapes = oneOf[1];
    expect(shapes.title).toBe('shapes');
    expect(shapes.description).toBe('Synthetic shapes');
    expect(shapes.required).toEqual(['_target_', 'batchSize', 'processor']);
    expect(shapes.additionalProperties).toBe(false);
    expect(shapes.properties.batchSize).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
    expect(oneOf[0]).toMatchObject({ additionalProperties: true, required: ['_target_'] });
  });

  it('componentRef fields become loose objects with a _target_ enum of that kind', () => {
    const shapes = (schemas.datasets!.oneOf as any[])[1];
    expect(shapes.properties.processor).toMatchObject({ type: 'object', required: ['_target_'], properties: { _target_: { enum: ['image'] } } });
    expect(shapes.properties.augment.items.properties._target_).toEqual({ enum: ['bounded', 'flip'] });
    expect(JSON.stringify(schemas)).not.toContain('kilnComponentKind');
  });

  it('drops non-finite bounds (Infinity would become null in JSON)', () => {
    const bounded = (schemas.transforms!.oneOf as any[]).find((s) => s.title === 'bounded');
    expect(bounded.properties.p).toEqual({ type: 'number', minimum: 0 });
  });

  it('writeConfigSchemas writes <kind>.json files that parse back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-schema-'));
    try {
      const written = writeConfigSchemas(fakeRegistries(), dir);
      const names = ['datasets.json', 'processors.json', 'train.json', 'transforms.json'];
      expect(written.map((p) => p.slice(dir.length + 1)).sort()).toEqual(names);
      expect(readdirSync(dir).sort()).toEqual(names);
      expect(JSON.parse(readFileSync(join(dir, 'transforms.json'), 'utf8'))).toEqual(schemas.transforms);
      const train = JSON.parse(readFileSync(join(dir, 'train.json'), 'utf8'));
      // only kinds with a schema file are referenced
      expect(train.properties.data).toEqual({ anyOf: [{ $ref: 'datasets.json' }, { type: 'null' }] });
      expect(train.properties.model).toBeUndefined();
      expect(train.properties.engine.properties.backend.enum).toContain('wasm');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trainConfigJsonSchema', () => {
  it('references each component kind and maps callbacks by name', () => {
    const schema = trainConfigJsonSchema(['models', 'callbacks']) as any;
    expect(schema.$id).toBe('train.json');
    expect(schema.properties.model.anyOf[0]).toEqual({ $ref: 'models.json' });
    expect(schema.properties.callbacks.additionalProperties.anyOf[0]).toEqual({ $ref: 'callbacks.json' });
    expect(schema.properties.loss).toBeUndefined();
    expect(schema.properties.logger.properties.level.enum).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL']);
  });
});
