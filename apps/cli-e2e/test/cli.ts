import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve(__dirname, '../../cli/dist/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, from `cwd` (INIT_CWD is what npx/nx would set). */
export function kiln(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, INIT_CWD: cwd, FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
