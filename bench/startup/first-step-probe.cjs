// Loaded through config `imports:` by bench/startup/time-to-first-step.ts: a callback that prints
// the process's own clock (ms since Node started it, performance.now()) when the training loop
// starts (onTrainEpochStart: data, model and callbacks are ready) and when the first optimizer
// step has ended (onTrainBatchEnd; the Callback contract has no batch-start hook), then exits
// so the bench does not wait for the rest of the run.
'use strict';
class StartupProbe {
  static type = 'startup_probe';
  onTrainEpochStart() {
    this.started ??= performance.now();
  }
  onTrainBatchEnd() {
    const end = performance.now();
    // CPU time of the whole process (all threads) so far: less sensitive to other load than wall time.
    const { user, system } = process.cpuUsage();
    process.stderr.write(`KILN_FIRST_STEP start=${this.started.toFixed(1)} end=${end.toFixed(1)} cpu=${((user + system) / 1000).toFixed(1)}\n`);
    if (process.env.KILN_PROBE_EXIT !== '0') process.exit(0);
  }
}
exports.register = (registries) => registries.callbacks.register(StartupProbe, 'bench/startup');
