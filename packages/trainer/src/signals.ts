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
