import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, writeFileAtomicSync } from '@kiln/core';

export const CLASSES_FILE = 'classes.json';

/** Writes the class list to `<runDir>/classes.json` (atomic), so test and predict reuse it. */
export function saveClasses(runDir: string, classes: string[]): void {
  writeFileAtomicSync(join(runDir, CLASSES_FILE), JSON.stringify(classes, null, 2) + '\n');
}

/** Reads `<runDir>/classes.json`; undefined when the file does not exist. */
export function loadClasses(runDir: string): string[] | undefined {
  const path = join(runDir, CLASSES_FILE);
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataError(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new DataError(`${path} must hold a JSON array of class names`);
  }
  return value;
}
