import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mpiSkipReason, runMpi } from './mpirun';

const skip = mpiSkipReason();

/** Milliseconds from the moment rank 1 failed (it prints the time) to the end of mpirun. */
function endedAfterFailure(output: string, endedAt: number): number {
  const m = /rank 1 fails now: (\d+)/.exec(output);
  expect(m, output).not.toBeNull();
  return endedAt - Number((m as RegExpExecArray)[1]);
}

describe.skipIf(!!skip)(`a failing rank ends the whole MPI job${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it.each([
    ['is killed (SIGKILL) mid-loop', 'kill', /process rank 1 .*exited on signal 9/],
    ['throws', 'throw', /kiln: rank 1: Error: simulated failure at step 5/],
    ['calls process.exit(3)', 'exit', /kiln: rank 1: exited with code 3/],
  ])('rank 1 %s while rank 0 waits in an all-reduce: non-zero exit within seconds, naming rank 1', async (_label, mode, message) => {
    const run = await runMpi(2, join(__dirname, 'fixtures/fail-worker.ts'), [mode], { timeoutMs: 60_000 });
    const ended = Date.now();
    expect(run.output).not.toMatch(/still running after/);
    expect(run.code, run.output).not.toBe(0);
    expect(run.code, run.output).not.toBeNull();
    expect(run.output, run.output).toMatch(message);
    // Not also OpenMPI's own "MPI_ABORT was invoked on rank 1": 4.1 sometimes loses that help text
    // ("ORTE_ERROR_LOG: Data unpack would read past end of buffer … show_help.c") as the job ends.
    expect(endedAfterFailure(run.output, ended)).toBeLessThan(15_000);
  }, 90_000);
});
