import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** The folder the user ran the command from (npm/npx/nx set INIT_CWD; nx itself runs in the workspace root). */
export function userCwd(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** Resolves a path the user typed against the folder they typed it in. */
export function resolveUserPath(p: string): string {
  return isAbsolute(p) ? p : resolve(userCwd(), p);
}

/** `--config-dir`, else $KILN_CONFIG_DIR, else `./configs` where the user is, else the repository's `configs/`. */
export function findConfigDir(explicit?: string): string {
  if (explicit) return resolveUserPath(explicit);
  if (process.env.KILN_CONFIG_DIR) return resolveUserPath(process.env.KILN_CONFIG_DIR);
  const local = resolve(userCwd(), 'configs');
  if (existsSync(resolve(local, 'train.yaml'))) return local;
  return resolve(__dirname, '../../../configs');
}
