import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { GROUP_SCHEMA_FILES, ROOT_SCHEMA_FILE, writeFileAtomicSync } from '@kiln/core';

/** The modeline the YAML language server (VS Code's YAML extension) reads. */
export const SCHEMA_LINE = /^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$/;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'schema' ? [] : yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/**
 * The schema file a config file follows: `train.json` for YAML at the top of the config dir,
 * the group's file for `<group>/<option>.yaml`; undefined for groups without one (nested or
 * your own groups).
 */
export function schemaFileFor(configDir: string, file: string): string | undefined {
  const parts = relative(configDir, file).split(sep);
  if (parts.length === 1) return ROOT_SCHEMA_FILE;
  return parts.length === 2 ? GROUP_SCHEMA_FILES[parts[0]] : undefined;
}

/** `# yaml-language-server: $schema=<relative path>` for `file`, or undefined (see schemaFileFor). */
export function schemaLineFor(configDir: string, schemaDir: string, file: string): string | undefined {
  const schema = schemaFileFor(configDir, file);
  if (!schema) return undefined;
  const rel = relative(dirname(file), join(schemaDir, schema)).split(sep).join('/');
  return `# yaml-language-server: $schema=${rel.startsWith('.') ? rel : `./${rel}`}`;
}

/**
 * Puts (or updates) the `$schema` modeline as the first line of every config file that has a
 * schema; returns the files changed. Other lines are left as they are.
 */
export function linkSchemas(configDir: string, schemaDir: string): string[] {
  const changed: string[] = [];
  for (const file of yamlFiles(configDir)) {
    const line = schemaLineFor(configDir, schemaDir, file);
    if (!line) continue;
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const next = SCHEMA_LINE.test(lines[0]) ? [line, ...lines.slice(1)] : [line, ...lines];
    const updated = next.join('\n');
    if (updated !== text) {
      writeFileAtomicSync(file, updated);
      changed.push(file);
    }
  }
  return changed;
}

export { yamlFiles as configYamlFiles };
