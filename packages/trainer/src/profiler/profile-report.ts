import type { KernelTime } from '@kiln/contracts';
import type { PhaseTotals } from './simple-profiler';

export interface PhaseRow {
  /** `train_epoch/forward`: the phase and the phases it ran inside. */
  path: string;
  name: string;
  depth: number;
  count: number;
  totalMs: number;
  meanMs: number;
  /** Share of the whole run's wall time. */
  percent: number;
}

export interface KernelRow extends KernelTime {
  name: string;
  meanMs: number;
  /** Share of all timed kernel time. */
  percent: number;
}

/** What `profile.json` holds. */
export interface ProfileReport {
  kind: 'simple' | 'advanced';
  /** Process start to the end of the report. */
  totalMs: number;
  /** Process start to the start / end of the first optimizer step's batch (absent when none ran). */
  timeToFirstStepMs: number | undefined;
  firstStepMs: number | undefined;
  marks: Record<string, number>;
  phases: PhaseRow[];
  /** Wall time in no top-level phase (module loading, logging, the loop's own bookkeeping). */
  unprofiledMs: number;
  unprofiledPercent: number;
  kernels?: KernelRow[];
  notes: string[];
}

/** Rows in tree order: each phase followed by its children, siblings by first appearance. */
function treeOrder(phases: PhaseTotals[]): PhaseTotals[] {
  const byParent = new Map<string, PhaseTotals[]>();
  for (const p of phases) {
    const parent = p.path.slice(0, -1).join('/');
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent)!.push(p);
  }
  const out: PhaseTotals[] = [];
  const visit = (parent: string) => {
    for (const p of byParent.get(parent) ?? []) {
      out.push(p);
      visit(p.path.join('/'));
    }
  };
  visit('');
  return out;
}

export function buildReport(args: {
  kind: 'simple' | 'advanced';
  totalMs: number;
  phases: PhaseTotals[];
  marks: Record<string, number>;
  kernels?: Record<string, KernelTime>;
  notes?: string[];
}): ProfileReport {
  const { totalMs } = args;
  const pct = (ms: number) => (totalMs > 0 ? (100 * ms) / totalMs : 0);
  const phases = treeOrder(args.phases).map((p) => ({
    path: p.path.join('/'),
    name: p.path[p.path.length - 1],
    depth: p.path.length - 1,
    count: p.count,
    totalMs: p.totalMs,
    meanMs: p.count ? p.totalMs / p.count : 0,
    percent: pct(p.totalMs),
  }));
  const topLevel = phases.filter((p) => p.depth === 0).reduce((s, p) => s + p.totalMs, 0);
  const unprofiledMs = Math.max(0, totalMs - topLevel);
  const report: ProfileReport = {
    kind: args.kind,
    totalMs,
    timeToFirstStepMs: args.marks.firstStepStart,
    firstStepMs: args.marks.firstStepEnd !== undefined && args.marks.firstStepStart !== undefined ? args.marks.firstStepEnd - args.marks.firstStepStart : undefined,
    marks: args.marks,
    phases,
    unprofiledMs,
    unprofiledPercent: pct(unprofiledMs),
    notes: args.notes ?? [],
  };
  if (args.kernels) {
    const all = Object.values(args.kernels).reduce((s, k) => s + k.ms, 0);
    report.kernels = Object.entries(args.kernels)
      .map(([name, k]) => ({ name, calls: k.calls, ms: k.ms, meanMs: k.calls ? k.ms / k.calls : 0, percent: all > 0 ? (100 * k.ms) / all : 0 }))
      .sort((a, b) => b.ms - a.ms);
  }
  return report;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const sec = (v: number) => (v / 1000).toFixed(3);

/** The table `profile.txt` holds and the run log prints (Lightning's layout: action, mean, count, total, %). */
export function formatReport(r: ProfileReport): string {
  const head = `Profiler (${r.kind}): ${sec(r.totalMs)} s wall` +
    (r.timeToFirstStepMs !== undefined ? `, first training step started at ${sec(r.timeToFirstStepMs)} s` : '') +
    (r.firstStepMs !== undefined ? ` and took ${ms(r.firstStepMs)} ms` : '');
  const rows = r.phases.map((p) => [`${'  '.repeat(p.depth)}${p.name}`, ms(p.meanMs), String(p.count), sec(p.totalMs), p.percent.toFixed(1)]);
  rows.push(['(not in a phase)', '', '', sec(r.unprofiledMs), r.unprofiledPercent.toFixed(1)]);
  const lines = [head, ...table(['Phase', 'Mean (ms)', 'Count', 'Total (s)', '% of run'], rows)];
  if (r.kernels) {
    lines.push('', 'Native kernels (wall time inside each kernel call, inclusive):');
    lines.push(...table(['Kernel', 'Mean (ms)', 'Calls', 'Total (s)', '% of kernels'], r.kernels.map((k) => [k.name, ms(k.meanMs), String(k.calls), sec(k.ms), k.percent.toFixed(1)])));
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)];
}
