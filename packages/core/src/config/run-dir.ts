import { existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { writeFileAtomicSync } from '../atomic-write';
import { ConfigError } from '../errors';
import { composeConfig, type ComposeOptions, type ComposeResult } from './compose';
import { escapeInterpolations } from './interpolate';
import { stringifyYaml } from './yaml-io';

export interface RunDirOptions {
  /** Parent of the dated folders (default `outputs`). */
  root?: string;
  /** Timestamp of the run (default now; local time is used for the folder names). */
  now?: Date;
  /** Appended to the time folder: `14-03-07_resnet`. */
  name?: string;
}

export const LATEST_LINK = 'latest';
const DATE_DIR = /^\d{4}-\d{2}-\d{2}$/;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Creates `<root>/<YYYY-MM-DD>/<HH-MM-SS>[_name]/` (local time) and returns its absolute path.
 * An existing folder gets a `-1`, `-2`, … suffix; `mkdir` without `recursive` for the leaf makes
 * two runs started in the same second never share a folder. Writes nothing inside.
 */
export function createRunDir(options: RunDirOptions = {}): string {
  const now = options.now ?? new Date();
  const root = resolve(options.root ?? 'outputs');
  if (options.name !== undefined && !/^[A-Za-z0-9_.\-]+$/.test(options.name)) {
    throw new ConfigError(`Run name '${options.name}' may only contain letters, digits, '_', '.', '-'`, { key: 'name' });
  }
  const day = join(root, `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`);
  const time = `${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}${options.name ? `_${options.name}` : ''}`;
  mkdirSync(day, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = join(day, i === 0 ? time : `${time}-${i}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export interface RunFiles {
  config: Record<string, unknown>;
  overrides: readonly string[];
}

/**
 * Writes the run's fully resolved `config.yaml` and `overrides.yaml` atomically, then points
 * `<root>/latest` at the run. `root` defaults to the run dir's grandparent (`outputs`).
 */
export function writeRunFiles(runDir: string, files: RunFiles, root = dirname(dirname(resolve(runDir)))): void {
  // literal `${…}` left by `\${…}` must stay literal when the run is loaded again
  writeFileAtomicSync(join(runDir, 'config.yaml'), stringifyYaml(escapeInterpolations(files.config)));
  writeFileAtomicSync(join(runDir, 'overrides.yaml'), stringifyYaml([...files.overrides]));
  updateLatestLink(root, runDir);
}

/** Replaces `<root>/latest` atomically: a relative symlink under a temp name, renamed over the old one. */
export function updateLatestLink(root: string, runDir: string): void {
  const link = join(root, LATEST_LINK);
  const tmp = join(root, `.${LATEST_LINK}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    symlinkSync(relative(root, resolve(runDir)), tmp, 'dir');
    renameSync(tmp, link);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Orders `HH-MM-SS`, `HH-MM-SS-1`, `HH-MM-SS-2`, … by time then by suffix number. */
function runOrderKey(name: string): [string, number] {
  const m = /^(.*?)-(\d+)$/.exec(name);
  return m && /\d{2}-\d{2}-\d{2}/.test(m[1]) && m[1].length >= 8 ? [m[1], Number(m[2])] : [name, 0];
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The latest run under `root`: where `latest` points, else the newest `<date>/<time>` folder.
 * Undefined when there is none.
 */
export function findLatestRun(root = 'outputs'): string | undefined {
  const abs = resolve(root);
  const link = join(abs, LATEST_LINK);
  try {
    const target = resolve(abs, readlinkSync(link));
    if (isDir(target)) return target;
  } catch {
    // no link (or not a link): fall back to scanning the dated folders
  }
  if (!isDir(abs)) return undefined;
  const days = readdirSync(abs).filter((d) => DATE_DIR.test(d) && isDir(join(abs, d))).sort().reverse();
  for (const day of days) {
    const runs = readdirSync(join(abs, day))
      .filter((r) => isDir(join(abs, day, r)))
      .sort((a, b) => {
        const [ta, na] = runOrderKey(a);
        const [tb, nb] = runOrderKey(b);
        return ta === tb ? nb - na : ta < tb ? 1 : -1; // code-unit order: locale rules may skip '-'
      });
    if (runs.length) return join(abs, day, runs[0]);
  }
  return undefined;
}

/**
 * Re-composes a finished run's config from its `config.yaml` (a run dir or the file itself),
 * plus further overrides, so it can be re-run exactly or with changes.
 */
export function loadRunConfig(runDirOrConfigYaml: string, options: Omit<ComposeOptions, 'configFile' | 'configName'> = {}): ComposeResult {
  const file = isDir(runDirOrConfigYaml) ? join(runDirOrConfigYaml, 'config.yaml') : runDirOrConfigYaml;
  if (!existsSync(file)) {
    throw new ConfigError(`No config.yaml at ${file}${basename(file) === 'config.yaml' ? '' : ' (expected a run folder or its config.yaml)'}`, {});
  }
  return composeConfig({ ...options, configFile: file });
}
