import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import {
  composeConfig,
  createRunDir,
  describeSweep,
  escapeInterpolations,
  loadRunConfig,
  planSweep,
  stringifyYaml,
  resolveUserPath,
  userCwd,
  writeFileAtomicSync,
  type SweepJob,
  type SweepPlan,
} from '@kiln/core';
import { errorLine, readJobOutcome, type JobResult } from './job-result';
import { writeSummary } from './summary';

/** What `kiln train -m …` asked for (the CLI parses it), ready for `runMultirun`. */
export interface MultirunArgs {
  /** Override tokens, swept or fixed, plus `hydra.sweeper…` settings, in command-line order. */
  overrides: string[];
  /** Options forwarded to every job's `train` (`--gpus=0`, `--debug`, …), `--config-dir`/`--config` excluded. */
  trainArgs: string[];
  /** Jobs at once (default 1: one after another). */
  jobs: number;
  configDir?: string;
  /** `--config`: a saved run the jobs start from. */
  savedConfig?: string;
  /** `--cfg`: print the planned jobs and exit. */
  dryRun: boolean;
  debug: boolean;
}

export interface MultirunOptions extends MultirunArgs {
  /** The config groups folder, resolved (every job gets it as `--config-dir`). */
  configDir: string;
  /** Parent of the dated sweep folders (default `hydra.sweep.dir`, else `multirun` in the user's folder). */
  root?: string;
  /** The CLI entry every job runs as `node <cliScript> train …` (the kiln CLI's `main.js`). */
  cliScript: string;
  /** Start time (names the sweep folder). */
  now?: Date;
  /** Progress and the final summary (default process.stdout). */
  out?: NodeJS.WritableStream;
}

export interface MultirunResult {
  /** `multirun/<date>/<time>`; undefined for a dry run. */
  dir?: string;
  plan: SweepPlan;
  results: JobResult[];
  /** 0 when every job succeeded, 1 when any failed, 130 when the sweep was interrupted. */
  exitCode: number;
}

interface PreparedJob {
  job: SweepJob;
  config?: Record<string, unknown>;
  error?: string;
  cause?: unknown;
}

/** Output kept per job for the summary's error column and metric parsing (the full log is job.log). */
const KEEP_OUTPUT = 1 << 20;

function prepare(plan: SweepPlan, options: MultirunOptions, configDir: string): PreparedJob[] {
  return plan.jobs.map((job) => {
    try {
      const composed = options.savedConfig
        ? loadRunConfig(resolveUserPath(options.savedConfig), { configDir, overrides: job.overrides })
        : composeConfig({ configDir, overrides: job.overrides });
      return { job, config: composed.config };
    } catch (err) {
      if (plan.jobs.length === 1) throw err;
      return { job, error: (err as Error).message, cause: err };
    }
  });
}

/** Threads each job's native backend may use: the machine's (or the user's KILN_NATIVE_THREADS) split evenly. */
export function threadShare(jobs: number, env: NodeJS.ProcessEnv = process.env): number {
  const total = Number(env.KILN_NATIVE_THREADS) || availableParallelism();
  return Math.max(1, Math.floor(total / jobs));
}

function runJob(p: PreparedJob, dir: string, options: MultirunOptions, configDir: string, echo: boolean): Promise<{ code: number; output: string; signal?: string }> {
  const args = [options.cliScript, 'train', ...options.trainArgs, `--config-dir=${configDir}`];
  if (options.savedConfig) args.push(`--config=${resolveUserPath(options.savedConfig)}`);
  args.push('--', ...p.job.overrides);
  const env: NodeJS.ProcessEnv = { ...process.env, KILN_RUN_DIR: dir, INIT_CWD: userCwd(), KILN_MULTIRUN_JOB: String(p.job.index) };
  if (options.jobs > 1 || process.env.KILN_NATIVE_THREADS) env.KILN_NATIVE_THREADS = String(threadShare(options.jobs));
  const log = createWriteStream(join(dir, 'job.log'));
  return new Promise((resolveJob) => {
    let output = '';
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (target: NodeJS.WritableStream) => (chunk: Buffer) => {
      log.write(chunk);
      if (echo) target.write(chunk);
      output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    child.stdout.on('data', take(options.out ?? process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('error', (err) => {
      output += `\nkiln: could not start the job: ${err.message}\n`;
    });
    child.on('close', (code, signal) => {
      log.end(() => resolveJob({ code: code ?? (signal ? 1 : 0), output: signal ? `${output}\nkiln: job killed by ${signal}\n` : output, ...(signal ? { signal } : {}) }));
    });
  });
}

function writeJobFiles(dir: string, p: PreparedJob): void {
  writeFileAtomicSync(join(dir, 'overrides.yaml'), stringifyYaml(p.job.overrides));
  if (p.config) writeFileAtomicSync(join(dir, 'config.yaml'), stringifyYaml(escapeInterpolations(p.config)));
}

function multirunYaml(plan: SweepPlan, options: MultirunOptions, configDir: string): string {
  const swept = Object.fromEntries(plan.params.filter((p) => p.sweep).map((p) => [p.key.replace(/^\++/, ''), describeSweep(p.sweep!)]));
  return stringifyYaml({
    command: ['kiln', 'train', '-m', ...(options.jobs > 1 ? [`--jobs=${options.jobs}`] : []), ...options.trainArgs, ...options.overrides].join(' '),
    sweeper: plan.settings.sweeper === 'random' ? plan.settings : { sweeper: 'grid' },
    configDir,
    ...(options.savedConfig ? { config: resolveUserPath(options.savedConfig) } : {}),
    parallelJobs: options.jobs,
    params: swept,
    fixed: plan.params.filter((p) => !p.sweep).map((p) => (p.value === undefined ? p.token : `${p.key}=${p.value}`)),
    jobs: plan.jobs.map((j) => ({ dir: String(j.index), overrides: j.overrides })),
  });
}

/**
 * `kiln train -m …`: plans the jobs (grid or random), then runs each as a normal `kiln train`
 * child whose run directory is `multirun/<date>/<time>/<n>/` (KILN_RUN_DIR), one after another
 * or `jobs` at a time. A job that fails is recorded and the sweep goes on; `summary.csv/.md`
 * are rewritten after every job, so an interrupted sweep still has its table.
 */
export async function runMultirun(options: MultirunOptions): Promise<MultirunResult> {
  const out = options.out ?? process.stdout;
  const plan = planSweep(options.overrides);
  const configDir = options.configDir;
  const prepared = prepare(plan, options, configDir);
  const failedCompose = prepared.filter((p) => p.error);
  if (failedCompose.length === prepared.length) {
    // the same mistake in every job is a usage error, not a sweep result
    throw failedCompose[0].cause;
  }
  const describeJob = (j: SweepJob) => `#${j.index} ${j.overrides.join(' ')}`;
  if (options.dryRun) {
    out.write(`${plan.jobs.length} job(s), ${plan.settings.sweeper} sweeper:\n${plan.jobs.map((j) => `  ${describeJob(j)}`).join('\n')}\n`);
    return { plan, results: [], exitCode: 0 };
  }

  const dir = createRunDir({ root: resolveUserPath(options.root ?? plan.settings.dir ?? 'multirun'), now: options.now });
  writeFileAtomicSync(join(dir, 'multirun.yaml'), multirunYaml(plan, options, configDir));
  const title = `Sweep ${relative(userCwd(), dir) || dir}`;
  out.write(`kiln: sweep of ${plan.jobs.length} job(s) in ${dir}${options.jobs > 1 ? ` (${options.jobs} at a time, ${threadShare(options.jobs)} thread(s) each)` : ''}\n`);

  const results: JobResult[] = [];
  const echo = options.jobs === 1;
  let next = 0;
  // Ctrl-C reaches the running jobs too (same process group); start no new ones, keep the summary.
  let interrupted: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    interrupted = signal;
    out.write(`\nkiln: ${signal}: finishing the sweep after the running job(s); no new jobs start\n`);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const worker = async (): Promise<void> => {
    while (next < prepared.length && !interrupted) {
      const p = prepared[next++];
      const jobDir = join(dir, String(p.job.index));
      mkdirSync(jobDir, { recursive: true });
      writeJobFiles(jobDir, p);
      out.write(`kiln: [job ${p.job.index + 1}/${plan.jobs.length}] ${p.job.overrides.join(' ')}\n`);
      const started = Date.now();
      const ran: { code: number; output: string; signal?: string } = p.error ? { code: 2, output: `kiln: ${p.error}\n` } : await runJob(p, jobDir, options, configDir, echo);
      if (p.error) writeFileAtomicSync(join(jobDir, 'job.log'), ran.output);
      const result: JobResult = {
        index: p.job.index,
        dir: jobDir,
        params: p.job.params,
        overrides: p.job.overrides,
        status: ran.code === 0 ? 'ok' : ran.code === 130 || ran.signal ? 'interrupted' : 'failed',
        exitCode: ran.code,
        seconds: (Date.now() - started) / 1000,
        ...readJobOutcome(jobDir, ran.output, p.config),
        ...(ran.code === 0 ? {} : { error: errorLine(ran.output) }),
      };
      results.push(result);
      const outcome = result.status === 'ok' ? `ok${result.best !== undefined ? `, best ${result.monitor} = ${result.best.toFixed(4)}` : ''}` : `${result.status.toUpperCase()} (exit ${result.exitCode}): ${result.error ?? ''}`;
      out.write(`kiln: [job ${p.job.index + 1}/${plan.jobs.length}] ${outcome} in ${result.seconds.toFixed(1)}s\n`);
      writeSummary(dir, results, title);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.jobs, prepared.length) }, worker));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const md = writeSummary(dir, results, title);
  out.write(`\n${md}\nkiln: summary in ${join(dir, 'summary.md')} and summary.csv\n`);
  const failed = results.filter((r) => r.status === 'failed').length;
  if (interrupted) {
    out.write(`kiln: sweep interrupted: ${results.length} of ${plan.jobs.length} job(s) ran\n`);
    return { dir, plan, results, exitCode: 130 };
  }
  return { dir, plan, results, exitCode: failed ? 1 : 0 };
}
