import { ConfigError } from '../errors';
import { Rng } from '../rng';
import { describeSweep, formatNumber, parseSweepValue, unescapeValue, type SweepSpec } from './sweep-value';

/** One command-line override, split into its key part (`+model.lr`) and its value or sweep. */
export interface SweepParam {
  /** The token as typed. */
  token: string;
  /** Everything before `=`, prefix included (`trainer.maxEpochs`, `+extra`, `++x`). */
  key: string;
  /** Set when the value sweeps; otherwise `value` is the single (unescaped) value. */
  sweep?: SweepSpec;
  value?: string;
}

export type SweeperKind = 'grid' | 'random';

export interface SweeperSettings {
  sweeper: SweeperKind;
  /** Random search: number of jobs (default 10). */
  trials: number;
  /** Random search: seed of the sampler (default 0; the same seed gives the same jobs). */
  seed: number;
  /** `hydra.sweep.dir`: parent of the dated sweep folders (default: the runner's, `multirun`). */
  dir?: string;
}

export interface SweepJob {
  /** 0-based job number: the job's folder name. */
  index: number;
  /** The job's full override list (fixed ones and this job's picks), in command-line order. */
  overrides: string[];
  /** This job's picks for the swept keys only (`{ 'optimizer.lr': '1e-3' }`). */
  params: Record<string, string>;
}

export interface SweepPlan {
  settings: SweeperSettings;
  params: SweepParam[];
  jobs: SweepJob[];
}

export const DEFAULT_SWEEPER: SweeperSettings = { sweeper: 'grid', trials: 10, seed: 0 };
/** A grid larger than this is refused (ask for random search instead). */
export const MAX_GRID_JOBS = 10_000;

/** Splits one override token; `~key` and tokens without `=` pass through as fixed. */
export function parseSweepParam(token: string): SweepParam {
  const eq = token.indexOf('=');
  if (eq < 0 || token.trimStart().startsWith('~')) return { token, key: token, value: undefined };
  const key = token.slice(0, eq);
  const raw = token.slice(eq + 1);
  const sweep = parseSweepValue(raw);
  return sweep ? { token, key, sweep } : { token, key, value: unescapeValue(raw) };
}

function intSetting(token: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new ConfigError(`'${token}': expected an integer ≥ ${min}`, { key: token.split('=')[0] });
  return Number(raw);
}

/**
 * Takes the sweeper's own settings out of the overrides (Hydra spelling):
 * `hydra.sweeper=grid|random` (also `basic` for grid), `hydra.sweeper.trials=N`
 * (or `n_trials`), `hydra.sweeper.seed=S`, `hydra.sweep.dir=DIR`. Returns them and the
 * remaining overrides.
 */
export function extractSweeperSettings(tokens: readonly string[], base: SweeperSettings = DEFAULT_SWEEPER): { settings: SweeperSettings; overrides: string[] } {
  const settings = { ...base };
  const overrides: string[] = [];
  for (const token of tokens) {
    const dir = /^\+{0,2}hydra\.sweep\.dir=(.+)$/.exec(token.trim());
    if (dir) {
      settings.dir = dir[1].trim();
      continue;
    }
    const m = /^\+{0,2}hydra\.sweeper(?:\.([A-Za-z_]+))?=(.*)$/.exec(token.trim());
    if (!m) {
      if (/^\+{0,2}hydra\./.test(token.trim())) throw new ConfigError(`Unknown sweeper setting '${token}' (known: hydra.sweeper=grid|random, hydra.sweeper.trials=N, hydra.sweeper.seed=S, hydra.sweep.dir=DIR)`, { key: token.split('=')[0] });
      overrides.push(token);
      continue;
    }
    const [, field, raw] = m;
    if (field === undefined) {
      const kind = raw.trim() === 'basic' ? 'grid' : raw.trim();
      if (kind !== 'grid' && kind !== 'random') throw new ConfigError(`'${token}': the sweeper is grid (basic) or random`, { key: 'hydra.sweeper' });
      settings.sweeper = kind;
    } else if (field === 'trials' || field === 'n_trials') settings.trials = intSetting(token, raw, 1);
    else if (field === 'seed') settings.seed = intSetting(token, raw, 0);
    else throw new ConfigError(`Unknown sweeper setting 'hydra.sweeper.${field}' (known: trials, seed)`, { key: `hydra.sweeper.${field}` });
  }
  return { settings, overrides };
}

const keyName = (key: string) => key.replace(/^\+{1,2}/, '');

/** A swept key set a second time would make the job's value depend on token order: refuse it. */
function assertUniqueKeys(params: SweepParam[]): void {
  for (const p of params) {
    if (!p.sweep) continue;
    const k = keyName(p.key);
    if (params.filter((q) => q.value !== undefined || q.sweep ? keyName(q.key) === k : false).length > 1) {
      throw new ConfigError(`'${k}' is swept and also set elsewhere on the command line`, { key: k });
    }
  }
}

function fixedToken(p: SweepParam): string {
  return p.value === undefined ? p.token : `${p.key}=${p.value}`;
}

/** Cartesian product, first override slowest (Hydra's basic sweeper order). */
function gridJobs(params: SweepParam[]): SweepJob[] {
  const swept = params.filter((p) => p.sweep);
  for (const p of swept) {
    if (p.sweep!.kind === 'interval') {
      throw new ConfigError(`'${p.token}': ${describeSweep(p.sweep!)} is continuous; use hydra.sweeper=random (with hydra.sweeper.trials=N) to sample it`, { key: keyName(p.key) });
    }
  }
  const sizes = swept.map((p) => (p.sweep as { values: string[] }).values.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  if (total > MAX_GRID_JOBS) throw new ConfigError(`The sweep has ${total} jobs (more than ${MAX_GRID_JOBS}); narrow it or use hydra.sweeper=random`, {});
  const jobs: SweepJob[] = [];
  for (let index = 0; index < total; index++) {
    let rest = index;
    const picks = new Map<SweepParam, string>();
    for (let i = swept.length - 1; i >= 0; i--) {
      const values = (swept[i].sweep as { values: string[] }).values;
      picks.set(swept[i], values[rest % values.length]);
      rest = Math.floor(rest / values.length);
    }
    jobs.push(assemble(index, params, picks));
  }
  return jobs;
}

/** Sampling significant digits: enough for any learning rate, short enough to read. */
const SAMPLE_DIGITS = 6;

function sample(spec: SweepSpec, rng: Rng): string {
  if (spec.kind !== 'interval') return spec.values[rng.int(spec.values.length)];
  const u = rng.next();
  const x = spec.log ? Math.exp(Math.log(spec.low) + u * (Math.log(spec.high) - Math.log(spec.low))) : spec.low + u * (spec.high - spec.low);
  return formatNumber(Number(x.toPrecision(SAMPLE_DIGITS)));
}

/** `trials` jobs, each key drawn independently: lists/choice/range uniformly, interval uniformly, log_interval log-uniformly. */
function randomJobs(params: SweepParam[], settings: SweeperSettings): SweepJob[] {
  const rng = new Rng(settings.seed, 'kiln-random-sweeper');
  return Array.from({ length: settings.trials }, (_, index) => {
    const picks = new Map<SweepParam, string>();
    for (const p of params) if (p.sweep) picks.set(p, sample(p.sweep, rng));
    return assemble(index, params, picks);
  });
}

function assemble(index: number, params: SweepParam[], picks: Map<SweepParam, string>): SweepJob {
  const overrides: string[] = [];
  const chosen: Record<string, string> = {};
  for (const p of params) {
    const pick = picks.get(p);
    if (pick === undefined) overrides.push(fixedToken(p));
    else {
      overrides.push(`${p.key}=${pick}`);
      chosen[keyName(p.key)] = pick;
    }
  }
  return { index, overrides, params: chosen };
}

/**
 * Expands multirun overrides into jobs. Sweeper settings (`hydra.sweeper…`) are read from
 * the tokens; `settings` gives the defaults (e.g. from `--sweeper`/`--trials` options).
 * Without any swept value the plan is one job.
 */
export function planSweep(tokens: readonly string[], settings: Partial<SweeperSettings> = {}): SweepPlan {
  const extracted = extractSweeperSettings(tokens, { ...DEFAULT_SWEEPER, ...settings });
  const params = extracted.overrides.map(parseSweepParam);
  assertUniqueKeys(params);
  const jobs = extracted.settings.sweeper === 'random' ? randomJobs(params, extracted.settings) : gridJobs(params);
  return { settings: extracted.settings, params, jobs };
}
