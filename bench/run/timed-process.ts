/** One whole process under GNU time: its wall clock and peak RSS (`%M`), for the whole-run benchmarks. */
import { spawnSync } from 'node:child_process';

export interface TimedProcess {
  seconds: number;
  rssMb: number;
  /** stdout + stderr. */
  out: string;
  /** Killed after `timeoutS` (then `seconds` is the time it had run). */
  timedOut?: boolean;
}

/**
 * Runs `cmd` under /usr/bin/time; throws with the output's tail when it fails. With `timeoutS`, coreutils
 * `timeout` (inside GNU time, so the process itself is measured and killed, TERM then KILL 10 s later) ends
 * a process that runs longer, and the result says `timedOut` instead of throwing.
 */
export function timedProcess(cmd: string[], env: NodeJS.ProcessEnv, timeoutS?: number): TimedProcess {
  const limited = timeoutS ? ['timeout', '-k', '10', String(timeoutS), ...cmd] : cmd;
  const r = spawnSync('/usr/bin/time', ['-f', 'KILN_E2E_TIME %e %M', ...limited], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const m = /KILN_E2E_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  // GNU time prints "Command exited with non-zero status 124" first; timeout's own status is 124 (137 after KILL)
  const timedOut = Boolean(timeoutS) && (r.status === 124 || r.status === 137);
  if ((r.status !== 0 && !timedOut) || !m) throw new Error(`${cmd.join(' ')} failed (exit ${r.status}):\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024, out, ...(timedOut ? { timedOut } : {}) };
}
