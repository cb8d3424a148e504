import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveUserPath, userCwd } from '@kiln/core';

// The path rule (config and command-line paths against the folder the command ran from) is core's.
export { resolveUserPath, userCwd };

/** `--config-dir`, else $KILN_CONFIG_DIR, else `./configs` where the user is, else the repository's `configs/`. */
export function findConfigDir(explicit?: string): string {
  if (explicit) return resolveUserPath(explicit);
  if (process.env.KILN_CONFIG_DIR) return resolveUserPath(process.env.KILN_CONFIG_DIR);
  const local = resolve(userCwd(), 'configs');
  if (existsSync(resolve(local, 'train.yaml'))) return local;
  return resolve(__dirname, '../../../configs');
}
