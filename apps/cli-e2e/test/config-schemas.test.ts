import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, describe, expect, it } from 'vitest';
import { allConfigSchemas, cloneConfig, composeConfig, parseYaml, type JsonSchema } from '@kiln/core';
import { registerAll } from '../../cli/src/registry';
import { configYamlFiles, SCHEMA_LINE, schemaFileFor, schemaLineFor } from '../../cli/src/schema-links';
import { configSchemaOptions } from '../../cli/src/schema-sections';
import { CLI } from './cli';

const repo = resolve(__dirname, '../../..');
const configDir = join(repo, 'configs');
const schemaDir = join(configDir, 'schema');

function validator(dir: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) ajv.addSchema(JSON.parse(readFileSync(join(dir, f), 'utf8')) as JsonSchema);
  return (schemaFile: string, value: unknown): string[] => {
    const validate = ajv.getSchema(schemaFile);
    if (!validate) throw new Error(`no schema ${schemaFile}`);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${e.params.additionalProperty}'` : ''}`);
  };
}

const check = validator(schemaDir);
const files = configYamlFiles(configDir);
const load = (rel: string) => parseYaml(readFileSync(join(configDir, rel), 'utf8')) as Record<string, any>;

describe('shipped JSON Schemas', () => {
  it('are what the generator writes today (re-run `npx tsx tools/export-schema.ts` after changing options)', () => {
    const generated = allConfigSchemas(registerAll(), configSchemaOptions());
    const shipped = readdirSync(schemaDir).filter((n) => n.endsWith('.json')).sort();
    expect(shipped).toEqual(Object.keys(generated).sort());
    for (const name of shipped) expect(JSON.parse(readFileSync(join(schemaDir, name), 'utf8')), name).toEqual(JSON.parse(JSON.stringify(generated[name])));
  });

  it('cover the root and every section with closed objects, descriptions and defaults', () => {
    const train = JSON.parse(readFileSync(join(schemaDir, 'train.json'), 'utf8'));
    expect(Object.keys(train.properties)).toEqual(expect.arrayContaining(['seed', 'imports', 'engine', 'run', 'logger', 'trainer', 'data', 'model', 'loss', 'optimizer', 'scheduler', 'callbacks']));
    expect(train.additionalProperties).toBe(false);
    const trainer = JSON.parse(readFileSync(join(schemaDir, 'trainer.json'), 'utf8'));
    expect(trainer.additionalProperties).toBe(false);
    expect(trainer.properties.maxEpochs).toMatchObject({ default: 10, description: expect.any(String) });
    for (const name of ['engine.json', 'run.json', 'logger.json']) expect(JSON.parse(readFileSync(join(schemaDir, name), 'utf8')).additionalProperties, name).toBe(false);
  });
});

describe('every shipped config file', () => {
  it('has a schema and starts with its yaml-language-server line', () => {
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      expect(schemaFileFor(configDir, file), file).toBeDefined();
      const first = readFileSync(file, 'utf8').split('\n')[0];
      expect(first, file).toMatch(SCHEMA_LINE);
      expect(first, file).toBe(schemaLineFor(configDir, schemaDir, file));
      expect(existsSync(resolve(join(file, '..'), SCHEMA_LINE.exec(first)![1])), file).toBe(true);
    }
  });

  it.each(files.map((f) => [f.slice(configDir.length + 1), f]))('%s validates against its schema', (_rel, file) => {
    expect(check(schemaFileFor(configDir, file)!, parseYaml(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it.each(['experiment=shapes', 'experiment=cifar10', 'experiment=fashion_mnist', 'model=resnet', 'optimizer=sgd', 'trainer=debug'])('the config composed with %s validates against train.json', (override) => {
    const { config } = composeConfig({ configDir, overrides: [override] });
    expect(check('train.json', config)).toEqual([]);
  });
});

describe('a misspelled key fails', () => {
  const cases: Array<[string, string, (c: Record<string, any>) => void, RegExp]> = [
    ['model/simple_cnn.yaml', 'models.json', (c) => (c.dropuot = 0.1), /dropuot/],
    ['trainer/default.yaml', 'trainer.json', (c) => (c.maxEpoch = 3), /maxEpoch/],
    ['train.yaml', 'train.json', (c) => (c.sed = 1), /sed/],
    ['train.yaml', 'train.json', (c) => (c.engine.backnd = 'cpu'), /backnd/],
    ['train.yaml', 'train.json', (c) => (c.run.rot = 'x'), /rot/],
    ['logger/default.yaml', 'logger.json', (c) => (c.lvl = 'INFO'), /lvl/],
    ['callbacks/default.yaml', 'callbacks-group.json', (c) => (c.model_checkpoint.montor = 'val/loss'), /montor|must match/],
    ['data/shapes.yaml', 'datasets.json', (c) => (c.processor.sise = [32, 32]), /sise|must match/],
    ['experiment/shapes.yaml', 'experiment.json', (c) => (c.model.chanels = [8]), /chanels|must match/],
    ['experiment/shapes.yaml', 'experiment.json', (c) => (c.trainer.maxEpoch = 1), /maxEpoch/],
    ['optimizer/adam.yaml', 'optimizers.json', (c) => (c.lr = 'fast'), /number|must match/],
  ];
  it.each(cases)('%s (%s)', (rel, schema, mutate, pattern) => {
    const config = cloneConfig(load(rel));
    expect(check(schema, config)).toEqual([]);
    mutate(config);
    const errors = check(schema, config);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(pattern);
  });
});

describe.skipIf(!existsSync(CLI))('kiln schema (built CLI module)', () => {
  // The plugin lives under node_modules so it can require('@kiln/core') as a user's module would.
  const work = mkdtempSync(join(repo, 'node_modules', '.kiln-schema-test-'));
  const out = mkdtempSync(join(tmpdir(), 'kiln-schema-out-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("writes schemas that include the user's registered components", async () => {
    writeFileSync(
      join(work, 'my_net.js'),
      `const { z } = require('@kiln/core');
class MyNet { static type = 'my_net'; static description = 'my own model';
  static optionsSchema = z.object({ width: z.number().int().min(1).default(8), numClasses: z.number().int().optional(), inputShape: z.array(z.number()).optional() }).strict();
  constructor(o) { this.options = o; } }
exports.register = (r) => r.models.register(MyNet, 'my-plugin');\n`,
    );
    mkdirSync(out, { recursive: true });
    const { run } = require(join(repo, 'apps/cli/dist/commands/schema.js')) as { run(argv: string[]): Promise<number> };
    const code = await run([`--out=${out}`, `--import=${join(work, 'my_net.js')}`]);
    expect(code).toBe(0);
    const models = JSON.parse(readFileSync(join(out, 'models.json'), 'utf8'));
    expect(models.properties._target_.enum).toContain('my_net');
    const own = validator(out);
    expect(own('models.json', { _target_: 'my_net', width: 4 })).toEqual([]);
    expect(own('models.json', { _target_: 'my_net', widht: 4 }).join('\n')).toMatch(/widht|must match/);
    expect(own('train.json', { ...composeConfig({ configDir }).config, model: { _target_: 'my_net' } })).toEqual([]);
  });
});
