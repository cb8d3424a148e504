/** Timing and memory helpers shared by the zoo benchmark's Kiln side (PyTorch's side mirrors them in torch_side.py). */
import { readFileSync } from 'node:fs';

export interface Rate {
  /** Median img/s over the windows. */
  median: number;
  windows: number[];
}

/**
 * Runs `warmup` calls, then `windows` windows of at least `seconds` each (a window is whole
 * calls, at least one) and returns the median img/s — medians, not best windows, so a noisy
 * neighbour shows instead of hiding.
 */
export function measure(fn: () => void, imgsPerCall: number, o: { seconds: number; windows: number; warmup: number }): Rate {
  for (let i = 0; i < o.warmup; i++) fn();
  const rates: number[] = [];
  for (let w = 0; w < o.windows; w++) {
    let n = 0;
    const t0 = performance.now();
    do {
      fn();
      n++;
    } while (performance.now() - t0 < o.seconds * 1000);
    rates.push((n * imgsPerCall * 1000) / (performance.now() - t0));
  }
  return { median: median(rates), windows: rates };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak resident set size of this process (VmHWM), in MB. */
export function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

/** `--name=value` flags (also `--name value`). */
export function flag(args: string[], name: string, def: string): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
    if (args[i] === `--${name}` && args[i + 1] !== undefined) return args[i + 1];
  }
  return def;
}
