/** One whole process under GNU time: its wall clock and peak RSS (`%M`), for the whole-run benchmarks. */
import { spawnSync } from 'node:child_process';

export interface TimedProcess {
  seconds: number;
  rssMb: number;
  /** stdout + stderr. */
  out: string;
}

/** Runs `cmd` under /usr/bin/time; throws with the output's tail when it fails. */
export function timedProcess(cmd: string[], env: NodeJS.ProcessEnv): TimedProcess {
  const r = spawnSync('/usr/bin/time', ['-f', 'KILN_E2E_TIME %e %M', ...cmd], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const m = /KILN_E2E_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${cmd.join(' ')} failed (exit ${r.status}):\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024, out: r.stdout + r.stderr };
}
