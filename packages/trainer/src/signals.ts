export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * Turns SIGINT/SIGTERM into a flag the loop checks after each step, so a step is never cut
 * in half. A second signal of the same kind while a stop is pending exits at once (the user
 * really wants out). `dispose()` removes the handlers.
 */
export class SignalWatcher {
  signal: StopSignal | undefined;
  private readonly handlers: Array<[StopSignal, () => void]> = [];

  constructor(onSignal?: (signal: StopSignal) => void) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        if (this.signal === sig) process.exit(sig === 'SIGINT' ? 130 : 143);
        this.signal = sig;
        onSignal?.(sig);
      };
      process.on(sig, handler);
      this.handlers.push([sig, handler]);
    }
  }

  dispose(): void {
    for (const [sig, handler] of this.handlers) process.off(sig, handler);
    this.handlers.length = 0;
  }
}

/** A rank's stop signal as all-reducible flags: [SIGINT, SIGTERM]. */
export function stopFlags(signal: StopSignal | undefined): [number, number] {
  return [signal === 'SIGINT' ? 1 : 0, signal === 'SIGTERM' ? 1 : 0];
}

/** The signal the ranks agree on from summed (or averaged) flags; SIGTERM wins over SIGINT. */
export function agreedSignal(flags: ArrayLike<number>): StopSignal | undefined {
  if (flags[1] > 0) return 'SIGTERM';
  return flags[0] > 0 ? 'SIGINT' : undefined;
}
