import { join, relative } from 'node:path';
import { composeConfig, UsageError, writeConfigSchemas } from '@kiln/core';
import { optionList, optionString, parseOrHelp, type CommandSpec } from '../args';
import { findConfigDir, resolveUserPath, userCwd } from '../paths';
import { registerWithImports } from '../registry';
import { linkSchemas } from '../schema-links';
import { configSchemaOptions } from '../schema-sections';

export const spec: CommandSpec = {
  name: 'schema',
  summary: "write JSON Schemas of the config (built-in and your registered components) for editors",
  usage: 'kiln schema [--out=DIR] [--config-dir=DIR] [--import=./my_components.js …] [--link] [key=value overrides…]',
  valueOptions: {
    out: 'folder to write the schema files to (default: <config dir>/schema)',
    'config-dir': 'folder holding train.yaml (default: ./configs or the repo configs); its `imports` are registered',
    import: 'a module exporting register(registries), besides the config imports (repeatable)',
  },
  flags: { link: 'also put the `# yaml-language-server: $schema=…` line at the top of every config file' },
  repeatable: ['import'],
  positionals: true,
};

/** `kiln schema`: the schemas that `train` validates against, including the user's own components. */
export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const configDir = findConfigDir(optionString(args, 'config-dir'));
  const { config } = composeConfig({ configDir, overrides: args.positionals });
  const imports = [...((config.imports as string[] | undefined) ?? []), ...optionList(args, 'import')];
  const registries = registerWithImports(imports);
  const outOpt = optionString(args, 'out');
  // never write into an installed copy of Kiln's configs by default
  if (!outOpt && relative(userCwd(), configDir).startsWith('..')) {
    throw new UsageError(`schema: the config dir ${configDir} is outside this folder; give --out=DIR`);
  }
  const out = outOpt ? resolveUserPath(outOpt) : join(configDir, 'schema');
  const written = writeConfigSchemas(registries, out, configSchemaOptions());
  const show = (p: string) => relative(userCwd(), p) || p;
  process.stdout.write(`wrote ${written.length} schema files to ${show(out)}: ${written.map((p) => p.slice(out.length + 1)).join(', ')}\n`);
  if (args.flags.has('link')) {
    const changed = linkSchemas(configDir, out);
    process.stdout.write(`linked ${changed.length} config file(s) to their schema${changed.length ? `: ${changed.map(show).join(', ')}` : ''}\n`);
  }
  return 0;
}
