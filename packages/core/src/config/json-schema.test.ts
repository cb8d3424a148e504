import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { componentRef } from '../component';
import { createRegistries, type Registries } from '../registry';
import { allConfigSchemas, partialJsonSchema, trainConfigJsonSchema, writeConfigSchemas } from './config-schema-files';
import { configJsonSchemas, JSON_SCHEMA_DRAFT } from './json-schema';

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

  it('componentRef fields point at their kind file, so nested options are checked too', () => {
    const shapes = (schemas.datasets!.oneOf as any[])[1];
    expect(shapes.properties.processor).toMatchObject({ $ref: 'processors.json' });
    expect(shapes.properties.augment.items).toMatchObject({ $ref: 'transforms.json' });
    expect(JSON.stringify(schemas)).not.toContain('kilnComponentKind');
  });

  it('a componentRef to a kind without components is any node with a _target_', () => {
    const only = createRegistries((r) => r.datasets.register(Shapes, 'test'));
    const shapes = (configJsonSchemas(only).datasets!.oneOf as any[])[0];
    expect(shapes.properties.processor).toMatchObject({ type: 'object', required: ['_target_'], additionalProperties: true });
  });

  it('injected options are not required in files', () => {
    const s = configJsonSchemas(fakeRegistries(), { datasets: ['batchSize'] });
    expect((s.datasets!.oneOf as any[])[1].required).toEqual(['_target_', 'processor']);
  });

  it('drops non-finite bounds (Infinity would become null in JSON)', () => {
    const bounded = (schemas.transforms!.oneOf as any[]).find((s) => s.title === 'bounded');
    expect(bounded.properties.p).toEqual({ type: 'number', minimum: 0 });
  });

  it('writeConfigSchemas writes kind files, sections, wrappers, experiment.json and train.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-schema-'));
    try {
      const written = writeConfigSchemas(fakeRegistries(), dir, { sections: { trainer: { schema: z.object({ maxEpochs: z.number().int().default(10) }).strict(), target: 'trainer', descriptions: { maxEpochs: 'epochs' } } } });
      const names = ['datasets.json', 'engine.json', 'experiment.json', 'logger.json', 'processors.json', 'run.json', 'train.json', 'trainer.json', 'transforms.json'];
      expect(written.map((p) => p.slice(dir.length + 1)).sort()).toEqual(names);
      expect(readdirSync(dir).sort()).toEqual(names);
      expect(JSON.parse(readFileSync(join(dir, 'transforms.json'), 'utf8'))).toEqual(schemas.transforms);
      const train = JSON.parse(readFileSync(join(dir, 'train.json'), 'utf8'));
      // only kinds with a schema file are referenced; the top level is closed
      expect(train.properties.data).toMatchObject({ anyOf: [{ $ref: 'datasets.json' }, { type: 'null' }] });
      expect(train.properties.model).toBeUndefined();
      expect(train.properties.trainer).toEqual({ $ref: 'trainer.json' });
      expect(train.additionalProperties).toBe(false);
      const trainer = JSON.parse(readFileSync(join(dir, 'trainer.json'), 'utf8'));
      expect(trainer).toMatchObject({ $id: 'trainer.json', additionalProperties: false });
      expect(trainer.properties.maxEpochs).toEqual({ description: 'epochs', default: 10, type: 'integer', minimum: expect.any(Number), maximum: expect.any(Number) });
      expect(trainer.properties._target_.const).toBe('trainer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('partial schemas (experiment.json)', () => {
  it('partialJsonSchema drops required, loosens oneOf and points kind refs at $defs', () => {
    expect(partialJsonSchema({ oneOf: [{ required: ['a'], properties: { p: { $ref: 'processors.json' } } }], $id: 'x' })).toEqual({ anyOf: [{ properties: { p: { $ref: '#/$defs/processors' } } }] });
  });
  it('experiment.json is closed at the top with partial nodes from $defs', () => {
    const files = allConfigSchemas(fakeRegistries());
    const exp = files['experiment.json'] as any;
    expect(exp.additionalProperties).toBe(false);
    expect(exp.properties.data.anyOf[0]).toEqual({ $ref: '#/$defs/datasets' });
    expect(Object.keys(exp.$defs).sort()).toEqual(['datasets', 'processors', 'transforms']);
    expect(JSON.stringify(exp.$defs)).not.toContain('"required"');
  });
});

describe('trainConfigJsonSchema', () => {
  it('references each component kind and maps callbacks by name', () => {
    const schema = trainConfigJsonSchema(['models', 'callbacks']) as any;
    expect(schema.$id).toBe('train.json');
    expect(schema.properties.model.anyOf[0]).toEqual({ $ref: 'models.json' });
    expect(schema.properties.callbacks).toEqual({ $ref: 'callbacks-group.json' });
    expect(schema.properties.loss).toBeUndefined();
    expect(schema.properties.logger).toEqual({ $ref: 'logger.json' });
    const logger = allConfigSchemas(createRegistries())['logger.json'] as any;
    expect(logger.properties.level.enum).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL']);
    expect(logger.additionalProperties).toBe(false);
  });
});
