// Loaded through config `imports:` by bench/startup/time-to-first-step.ts: a callback that prints
// the process's own clock (ms since Node started it, performance.now()) when the training loop
// starts (onTrainEpochStart: data, model and callbacks are ready) and when the first optimizer
// step has ended (onTrainBatchEnd; the Callback contract has no batch-start hook), then exits
// so the bench does not wait for the rest of the run.
'use strict';
const { readFileSync } = require('node:fs');
const { execSync } = require('node:child_process');

/**
 * CPU ms of the main thread alone (its /proc task: utime + stime, in clock ticks): the start-up's
 * critical path, without the decode workers' and compute threads' time, and the least moved by other
 * load on the machine (it counts only while the thread runs). -1 where /proc is missing.
 */
function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const hz = Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
    return ((ticks * 1000) / hz).toFixed(0);
  } catch {
    return '-1';
  }
}

class StartupProbe {
  static type = 'startup_probe';
  onTrainEpochStart() {
    this.started ??= performance.now();
  }
  onTrainBatchEnd() {
    const end = performance.now();
    // CPU time of the whole process (all threads) so far: less sensitive to other load than wall time.
    const { user, system } = process.cpuUsage();
    process.stderr.write(`KILN_FIRST_STEP start=${this.started.toFixed(1)} end=${end.toFixed(1)} cpu=${((user + system) / 1000).toFixed(1)} main=${mainThreadCpuMs()}\n`);
    if (process.env.KILN_PROBE_EXIT !== '0') process.exit(0);
  }
}
exports.register = (registries) => registries.callbacks.register(StartupProbe, 'bench/startup');
