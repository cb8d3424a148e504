/** Pure formatting for the progress bar (tested without any trainer or stream). */

/** Seconds as `m:ss`, or `h:mm:ss` from one hour on; `?` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Throughput with sensible precision: `3.25 img/s`, `42.7 img/s`, `815 img/s`, `12.3k img/s`. */
export function formatRate(perSecond: number, unit = 'img/s'): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `? ${unit}`;
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(1)}k ${unit}`;
  const digits = perSecond < 10 ? 2 : perSecond < 100 ? 1 : 0;
  return `${perSecond.toFixed(digits)} ${unit}`;
}

/** Metric values: 4 decimals, exponent notation when very large or very small. */
export function formatMetricValue(value: number): string {
  if (!Number.isFinite(value)) return String(value).toLowerCase();
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e4 || abs < 1e-3)) return value.toExponential(2).replace('e+', 'e');
  return value.toFixed(4);
}

/** `key=value` pairs in the given order. */
export function formatMetrics(metrics: Readonly<Record<string, number>>, keys = Object.keys(metrics)): string {
  return keys
    .filter((k) => k in metrics)
    .map((k) => `${k}=${formatMetricValue(metrics[k]!)}`)
    .join(' ');
}

/** `[#######-------]` for a fraction in [0, 1]. */
export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export interface ProgressState {
  epoch: number; // 0-based
  maxEpochs: number;
  step: number; // 1-based batch within the epoch
  steps: number; // batches per epoch
  loss: number | undefined;
  metrics: Readonly<Record<string, number>>; // latest validation metrics
  imagesPerSecond: number;
  etaSeconds: number;
}

/** One progress line; `barWidth` > 0 adds a bar (TTY), 0 leaves it out (logs). */
export function formatProgressLine(p: ProgressState, barWidth: number): string {
  const parts = [`Epoch ${p.epoch + 1}/${p.maxEpochs}`];
  if (barWidth > 0) parts.push(renderBar(p.steps > 0 ? p.step / p.steps : 0, barWidth));
  parts.push(`${p.step}/${p.steps}`);
  if (p.loss !== undefined) parts.push(`loss=${formatMetricValue(p.loss)}`);
  const metrics = formatMetrics(p.metrics, Object.keys(p.metrics).sort());
  if (metrics) parts.push(metrics);
  parts.push(formatRate(p.imagesPerSecond), `ETA ${formatDuration(p.etaSeconds)}`);
  return parts.join(' ');
}
